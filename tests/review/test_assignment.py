"""The assignment strategies: k annotators per article, balanced, only new work."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import InvalidInput
from workbench.review.assignment import hand_over, k_per_article


def _load(pairs, annotators):
    counts = Counter(user for _, user in pairs)
    return [counts[user] for user in annotators]


def test_each_article_gets_k_distinct_annotators():
    plan = k_per_article(range(1, 11), [7, 8, 9], 2)
    per_article = Counter(article for article, _ in plan.pairs)
    assert set(per_article) == set(range(1, 11))
    assert set(per_article.values()) == {2}
    assert len(set(plan.pairs)) == len(plan.pairs)
    assert plan.short == ()
    assert sorted(_load(plan.pairs, [7, 8, 9])) == [6, 7, 7]


def test_a_second_run_assigns_only_new_articles_and_keeps_the_balance():
    first = k_per_article([1, 2, 3, 4], [7, 8, 9], 2)
    assigned = {}
    for article, user in first.pairs:
        assigned.setdefault(article, set()).add(user)
    second = k_per_article([1, 2, 3, 4, 5, 6], [7, 8, 9], 2, assigned=assigned)
    assert {article for article, _ in second.pairs} == {5, 6}
    total = Counter(user for _, user in first.pairs + second.pairs)
    assert max(total.values()) - min(total.values()) <= 1


def test_an_article_short_of_k_is_topped_up_by_someone_not_on_it():
    plan = k_per_article([1], [7, 8, 9], 3, assigned={1: {8}})
    assert sorted(user for _, user in plan.pairs) == [7, 9]


def test_annotators_outside_the_chosen_count_towards_k():
    plan = k_per_article([1, 2], [7, 8], 2, assigned={1: {5, 6}})
    assert [article for article, _ in plan.pairs] == [2, 2]


def test_the_least_loaded_get_the_new_work():
    plan = k_per_article([1, 2, 3], [7, 8], 1, load={7: 5, 8: 0})
    assert [user for _, user in plan.pairs] == [8, 8, 8]


def test_an_article_full_or_unfillable():
    # Two chosen annotators both on article 1 already, which needs a third.
    plan = k_per_article([1], [7, 8], 2, assigned={1: {7, 8}})
    assert plan.pairs == () and plan.short == ()
    plan = k_per_article([1], [7, 8], 2, assigned={1: {7}})
    assert plan.pairs == ((1, 8),)
    plan = hand_over([1], [7], assigned={1: {7}})
    assert plan.pairs == () and plan.short == (1,)


@pytest.mark.parametrize("k", [0, 4, -1])
def test_k_must_fit_the_chosen_annotators(k):
    with pytest.raises(InvalidInput, match="between 1 and the 3 chosen"):
        k_per_article([1], [1, 2, 3], k)


def test_no_annotators_is_refused():
    with pytest.raises(InvalidInput, match="at least one annotator"):
        k_per_article([1], [], 1)
    with pytest.raises(InvalidInput, match="at least one annotator"):
        hand_over([1], [], assigned={})


def test_hand_over_spreads_the_unstarted_articles_over_the_others():
    # Annotator 9 leaves; articles 1-4 were theirs, 1 and 2 also had annotator 7.
    plan = hand_over([1, 2, 3, 4], [7, 8], assigned={1: {7}, 2: {7}, 3: set(), 4: set()})
    given = dict(plan.pairs)
    assert given[1] == 8 and given[2] == 8  # 7 is on them already
    assert set(given) == {1, 2, 3, 4}
    # 7 held two articles already: in all, each holds three.
    assert Counter(given.values()) == Counter({7: 1, 8: 3})


@given(
    articles=st.lists(st.integers(1, 200), max_size=120),
    annotators=st.lists(st.integers(1, 12), min_size=1, max_size=8, unique=True),
    k=st.integers(1, 8),
)
def test_a_plan_from_scratch_is_balanced_within_one(articles, annotators, k):
    k = min(k, len(annotators))
    plan = k_per_article(articles, annotators, k)
    counts = _load(plan.pairs, annotators)
    assert max(counts) - min(counts) <= 1
    per_article = Counter(article for article, _ in plan.pairs)
    assert all(per_article[a] == k for a in set(articles))
    assert len(set(plan.pairs)) == len(plan.pairs)


@given(
    before=st.dictionaries(
        st.integers(1, 60), st.sets(st.integers(1, 6), max_size=3), max_size=40
    ),
    articles=st.lists(st.integers(1, 80), max_size=80),
    k=st.integers(1, 4),
)
def test_a_plan_never_reassigns_and_never_doubles(before, articles, k):
    annotators = [1, 2, 3, 4, 5, 6]
    plan = k_per_article(articles, annotators, k, assigned=before)
    for article, user in plan.pairs:
        assert user not in before.get(article, set())
    after = Counter(article for article, _ in plan.pairs)
    for article in set(articles):
        have = len(before.get(article, set()))
        assert have + after[article] == max(have, k)
