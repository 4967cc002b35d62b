"""Assignment plans, pure: which annotator gets which article.

A strategy takes plain ids and counts and returns the (article, annotator) pairs to
add; the operation in ops/assignments.py reads the counts and stores the pairs
(as doccano's assignment strategies are planned apart from their storage).

Balance is counted over the chosen annotators: each new article goes to those of
them who hold the fewest articles, so that after a plan no chosen annotator holds
more than one article above another unless they held more before it (a plan never
takes work away).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from workbench.errors import InvalidInput


@dataclass(frozen=True)
class Plan:
    """The pairs a strategy adds, and the articles it could not fill (fewer chosen
    annotators who are not yet on the article than the article still needs)."""

    pairs: tuple[tuple[int, int], ...]
    short: tuple[int, ...] = ()

    def by_annotator(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _, user in self.pairs:
            counts[user] = counts.get(user, 0) + 1
        return counts


def k_per_article(
    articles: Sequence[int],
    annotators: Sequence[int],
    k: int,
    *,
    assigned: Mapping[int, Iterable[int]] | None = None,
    load: Mapping[int, int] | None = None,
) -> Plan:
    """Plan ``k`` annotators for each of ``articles``, from ``annotators``.

    ``assigned`` maps an article to the annotators it has already (any annotator,
    chosen or not, counts towards its ``k``), so that a second run after new imports
    adds only the new articles and tops up those short of ``k``; ``load`` maps an
    annotator to the articles they hold already (default: counted from
    ``assigned``). Articles are taken in the given order and each goes to the
    least-loaded chosen annotators not yet on it (ties by the order of
    ``annotators``), which keeps the chosen annotators within one article of each
    other. Raises InvalidInput for k below 1 or above the number of annotators.
    """
    chosen = list(dict.fromkeys(annotators))
    if not chosen:
        raise InvalidInput("Choose at least one annotator.", field="annotators")
    if not 1 <= k <= len(chosen):
        raise InvalidInput(
            f"Annotators per article must be between 1 and the {len(chosen)} chosen.",
            field="k",
        )
    have = {article: set(users) for article, users in (assigned or {}).items()}
    return _fill(articles, chosen, lambda on: k - len(on), have, load)


def hand_over(
    articles: Sequence[int],
    to: Sequence[int],
    *,
    assigned: Mapping[int, Iterable[int]],
    load: Mapping[int, int] | None = None,
) -> Plan:
    """Plan who takes over ``articles`` (an annotator's unstarted ones) from ``to``:
    each to the least-loaded of them not already on it, one each (see
    ``k_per_article``); ``assigned`` maps the articles to their other annotators."""
    if not to:
        raise InvalidInput("Choose at least one annotator to hand the articles to.", field="to")
    have = {article: set(users) for article, users in assigned.items()}
    # Each article needs one annotator more than it has (the one leaving is not in
    # ``assigned``).
    return _fill(articles, list(dict.fromkeys(to)), lambda on: 1, have, load)


def _fill(articles, chosen, need_of, have: dict[int, set[int]], load) -> Plan:
    """Give each article ``need_of(its annotators)`` more of ``chosen``, the
    least-loaded first (ties by their order in ``chosen``), never one already on it."""
    if load is None:
        load = {}
        for users in have.values():
            for user in users:
                load[user] = load.get(user, 0) + 1
    # A heap of (load, rank, user); an annotator already on the article is set aside
    # for that article and pushed back after it.
    heap = [(load.get(user, 0), rank, user) for rank, user in enumerate(chosen)]
    heapq.heapify(heap)
    pairs: list[tuple[int, int]] = []
    short: list[int] = []
    for article in dict.fromkeys(articles):
        on = have.get(article, set())
        need = need_of(on)
        if need <= 0:
            continue
        taken, skipped = [], []
        while heap and len(taken) < need:
            entry = heapq.heappop(heap)
            (skipped if entry[2] in on else taken).append(entry)
        for count, rank, user in taken:
            pairs.append((article, user))
            heapq.heappush(heap, (count + 1, rank, user))
        for entry in skipped:
            heapq.heappush(heap, entry)
        if len(taken) < need:
            short.append(article)
    return Plan(tuple(pairs), tuple(short))
