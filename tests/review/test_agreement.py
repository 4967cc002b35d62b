"""The agreement coefficients against published values and reference implementations."""

from __future__ import annotations

import math
import random
from collections import Counter
from fractions import Fraction

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

from tests.review import loop_reference
from workbench.review.agreement import (
    NO_PAIRS,
    ONE_ANNOTATOR,
    Cells,
    Ratings,
    _binomial,
    _tally,
    agreement,
    summaries,
    summarise,
    unit_agreement,
)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four
# observers, twelve units, nominal values with missing data (None); alpha = 0.743.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}

# The Fleiss' kappa example of Wikipedia's article (10 subjects, 14 raters, 5
# categories; each row: how many raters put the subject in each category): the
# article works it out to P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


# Fleiss (1971), "Measuring nominal scale agreement among many raters": 30 patients,
# each diagnosed by 6 psychiatrists into 5 categories (1 depression, 2 personality
# disorder, 3 schizophrenia, 4 neurosis, 5 other), as R's irr package ships it
# (`diagnoses`) and statsmodels' tests carry it; the paper's kappa is 0.430.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4],
    [2, 2, 2, 5, 5, 5],
    [2, 3, 3, 3, 3, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3],
    [3, 3, 3, 3, 5, 5],
    [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4],
    [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4],
    [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3],
    [1, 4, 4, 4, 4, 4],
    [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5],
    [1, 1, 1, 1, 1, 2],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 4, 4, 4, 4, 4],
    [2, 2, 4, 5, 5, 5],
    [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4],
    [1, 1, 1, 1, 5, 5],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3],
    [5, 5, 5, 5, 5, 5],
]


def by_rows(columns: dict[str, list]) -> Ratings:
    return Ratings.from_matrix(list(zip(*columns.values(), strict=True)), annotators=list(columns))


def two_raters(table: list[list[int]], labels=("yes", "no")) -> Ratings:
    """Items of a two-rater table: cell [i][j] = items rater 1 put in labels[i] and
    rater 2 in labels[j]."""
    rows = [
        (labels[i], labels[j])
        for i, row in enumerate(table)
        for j, count in enumerate(row)
        for _ in range(count)
    ]
    return Ratings.from_matrix(rows, annotators=("r1", "r2"), labels=labels)


def from_counts(table: list[list[int]]) -> Ratings:
    """Items of a subjects x categories count table, values spread over rater columns."""
    rows = [[c for c, count in enumerate(row) for _ in range(count)] for row in table]
    return Ratings.from_matrix(rows)


class TestPublished:
    def test_krippendorff_2011_nominal_with_missing_values(self):
        result = agreement(by_rows(KRIPPENDORFF_2011))
        assert round(result.alpha.value, 3) == 0.743
        # Unit 12 has one value only: 11 pairable units, 40 pairable values.
        assert (result.items_coded, result.items, result.values) == (12, 11, 40)
        assert result.fleiss.value is None and "2 to 4 values" in result.fleiss.reason

    def test_fleiss_wikipedia_example(self):
        result = agreement(from_counts(FLEISS_WIKIPEDIA))
        assert round(result.observed, 3) == 0.378
        assert round(result.fleiss.value, 3) == 0.210
        assert result.items == 10 and result.values == 140

    def test_fleiss_1971_diagnoses(self):
        result = agreement(Ratings.from_matrix(FLEISS_1971))
        assert round(result.fleiss.value, 3) == 0.430
        assert result.items == 30 and result.values == 180

    def test_fleiss_wikipedia_per_item_agreement(self):
        ratings = from_counts(FLEISS_WIKIPEDIA)
        # P_i of the article's table, for subjects 1, 2 and 6.
        shares = {round(unit_agreement(ratings, pattern).share, 3) for pattern in ratings.units}
        assert {1.0, 0.253, 0.462} <= shares

    def test_cohen_wikipedia_table(self):
        # Wikipedia's Cohen's kappa example: 50 proposals, yes/yes 20, yes/no 5,
        # no/yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
        result = agreement(two_raters([[20, 5], [10, 15]]))
        (pair,) = result.pairs_of_annotators
        assert pair.items == 50 and pair.observed == pytest.approx(0.7)
        assert pair.kappa.value == pytest.approx(0.4)
        # AC1 by hand: pi_yes = (25 + 30) / 100 = 0.55, p_e = 2 * 0.55 * 0.45 = 0.495,
        # AC1 = (0.7 - 0.495) / (1 - 0.495) = 0.205 / 0.505.
        assert result.ac1.value == pytest.approx(0.205 / 0.505)
        # Specific agreement: yes 2*20 / (2*20 + 5 + 10), no 2*15 / (2*15 + 5 + 10).
        specific = {label.label: label.agreement for label in result.labels}
        assert specific == pytest.approx({"yes": 40 / 55, "no": 30 / 45})

    def test_kappa_paradox_table(self):
        # Feinstein and Cicchetti (1990): p_o = 0.85 with a dominant category gives
        # kappa 0.32; AC1 stays near the observed agreement. By hand: p_e(kappa) =
        # (90*85 + 10*15) / 100^2 = 0.78, kappa = 0.07 / 0.22; pi_1 = 175/200 = 0.875,
        # p_e(AC1) = 2 * 0.875 * 0.125 = 0.21875, AC1 = 0.63125 / 0.78125 = 0.808.
        result = agreement(two_raters([[80, 10], [5, 5]]))
        (pair,) = result.pairs_of_annotators
        assert round(pair.kappa.value, 2) == 0.32
        assert pair.kappa.value == pytest.approx(0.07 / 0.22)
        assert result.ac1.value == pytest.approx(0.808)
        # With two raters and no missing value, alpha is Scott's pi corrected for n.
        n, diagonal = 200, 170
        squares = 175**2 + 25**2
        assert result.alpha.value == pytest.approx(1 - (n - 1) * (n - diagonal) / (n * n - squares))


def _matrix(rng: random.Random, items: int, annotators: int, missing: float, weights):
    labels = ["favor", "against", "neutral", "unrelated"][: len(weights)]
    return [
        [
            None if rng.random() < missing else rng.choices(labels, weights)[0]
            for _ in range(annotators)
        ]
        for _ in range(items)
    ]


def _reference_alpha(rows):
    codes = {}
    data = [[np.nan if v is None else codes.setdefault(v, len(codes)) for v in row] for row in rows]
    return krippendorff.alpha(
        reliability_data=np.array(data, dtype=float).T, level_of_measurement="nominal"
    )


CELL = st.one_of(st.none(), st.sampled_from(["a", "a", "a", "a", "a", "b", "c"]))


class TestReferences:
    @pytest.mark.parametrize("seed", range(8))
    def test_alpha_matches_the_krippendorff_package(self, seed):
        rng = random.Random(seed)
        rows = _matrix(
            rng, rng.randint(5, 300), rng.randint(2, 6), rng.random() * 0.5, [80, 10, 7, 3]
        )
        ours = agreement(Ratings.from_matrix(rows)).alpha
        assert ours.value == pytest.approx(_reference_alpha(rows), abs=1e-12)

    @settings(max_examples=150, deadline=None)
    @given(
        st.integers(2, 6).flatmap(
            lambda m: st.lists(st.lists(CELL, min_size=m, max_size=m), min_size=1, max_size=40)
        )
    )
    def test_alpha_matches_the_krippendorff_package_on_generated_data(self, rows):
        ours = agreement(Ratings.from_matrix(rows)).alpha
        pairable = [row for row in rows if sum(v is not None for v in row) >= 2]
        labels = {v for row in pairable for v in row if v is not None}
        if len(labels) < 2:
            assert ours.value is None and ours.reason
            return
        assert ours.value == pytest.approx(_reference_alpha(rows), abs=1e-9)

    @pytest.mark.parametrize("seed", range(6))
    def test_fleiss_matches_statsmodels(self, seed):
        rng = random.Random(100 + seed)
        rows = _matrix(rng, rng.randint(5, 200), rng.randint(2, 7), 0.0, [60, 25, 10, 5])
        codes = {}
        coded = [[codes.setdefault(v, len(codes)) for v in row] for row in rows]
        table, _ = aggregate_raters(np.array(coded))
        ours = agreement(Ratings.from_matrix(rows)).fleiss
        assert ours.value == pytest.approx(fleiss_kappa(table, method="fleiss"), abs=1e-12)

    @pytest.mark.parametrize("seed", range(6))
    def test_cohen_per_pair_matches_statsmodels(self, seed):
        rng = random.Random(200 + seed)
        annotators = rng.randint(2, 5)
        rows = _matrix(rng, rng.randint(10, 300), annotators, 0.3, [85, 8, 5, 2])
        result = agreement(Ratings.from_matrix(rows))
        assert result.pairs_of_annotators
        for pair in result.pairs_of_annotators:
            both = [
                (row[pair.first], row[pair.second])
                for row in rows
                if row[pair.first] is not None and row[pair.second] is not None
            ]
            labels = sorted({v for two in both for v in two})
            table = np.zeros((len(labels), len(labels)))
            for a, b in both:
                table[labels.index(a), labels.index(b)] += 1
            assert pair.items == len(both)
            if pair.kappa.value is None:
                assert len(labels) == 1
                continue
            reference = cohens_kappa(table, return_results=False)
            assert pair.kappa.value == pytest.approx(reference, abs=1e-12)

    @pytest.mark.parametrize("seed", range(6))
    def test_ac1_matches_gwets_formula_computed_item_by_item(self, seed):
        # Gwet (2014, ch. 5) with missing ratings: p_a over the items with two or more
        # ratings, pi_k over the items with at least one, q the categories offered.
        rng = random.Random(300 + seed)
        rows = _matrix(rng, rng.randint(5, 200), rng.randint(2, 6), 0.35, [90, 6, 3, 1])
        q = 4
        rated = [[v for v in row if v is not None] for row in rows]
        two = [r for r in rated if len(r) >= 2]
        one = [r for r in rated if r]
        pa = sum(
            sum(k * (k - 1) for k in Counter(r).values()) / (len(r) * (len(r) - 1)) for r in two
        ) / len(two)
        pi = Counter()
        for r in one:
            for value, k in Counter(r).items():
                pi[value] += k / len(r) / len(one)
        pe = sum(p * (1 - p) for p in pi.values()) / (q - 1)
        ours = agreement(Ratings.from_matrix(rows), categories=q).ac1
        assert ours.value == pytest.approx((pa - pe) / (1 - pe), abs=1e-12)

    def test_unequal_numbers_of_annotators_and_a_dominant_label(self):
        rng = random.Random(7)
        rows = []
        for _ in range(500):
            k = rng.choice([2, 3, 5])
            row = _matrix(rng, 1, k, 0.0, [95, 3, 1, 1])[0]
            rows.append(row + [None] * (5 - k))
        result = agreement(Ratings.from_matrix(rows), categories=4)
        assert result.fleiss.value is None and "2 to 5 values" in result.fleiss.reason
        assert result.alpha.value == pytest.approx(_reference_alpha(rows), abs=1e-12)
        # Kappa-like coefficients collapse near 0 with one dominant label; AC1 does not.
        assert abs(result.alpha.value) < 0.2 and result.ac1.value > 0.8


class TestEdges:
    def test_one_label_only(self):
        result = agreement(Ratings.from_matrix([["x", "x"], ["x", "x"], ["x", None]]))
        assert result.observed == 1.0
        for coefficient in (result.alpha, result.fleiss, result.ac1):
            assert coefficient.value is None and "same label ('x')" in coefficient.reason
        (pair,) = result.pairs_of_annotators
        assert pair.kappa.value is None and pair.kappa.reason
        assert result.annotators_vs_others[0].alpha.value is None

    def test_one_label_used_of_several_offered_gives_ac1_one(self):
        result = agreement(Ratings.from_matrix([["x", "x"], ["x", "x"]]), categories=4)
        assert result.ac1.value == 1.0 and result.alpha.value is None

    def test_no_pairable_values(self):
        result = agreement(Ratings.from_matrix([["x", None], [None, "y"], [None, None]]))
        assert (result.items_coded, result.items, result.values, result.pairs) == (2, 0, 0, 0)
        assert result.observed is None and result.pairs_of_annotators == []
        for coefficient in (result.alpha, result.fleiss, result.ac1):
            assert coefficient.value is None and coefficient.reason == NO_PAIRS

    def test_single_annotator(self):
        result = agreement(Ratings.from_matrix([["x"], ["y"]]))
        assert result.alpha.reason == ONE_ANNOTATOR and result.ac1.reason == ONE_ANNOTATOR

    def test_empty(self):
        result = agreement(Ratings.from_matrix([]))
        assert result.items == 0 and result.alpha.value is None

    def test_bootstrap_on_undefined_alpha_says_why(self):
        result = agreement(Ratings.from_matrix([["x", "x"]] * 3), resamples=1000)
        assert result.interval is None and "not computed" in result.interval_note

    def test_no_nan_anywhere(self):
        rows = [["x", "x"], ["x", None], [None, None]]
        result = agreement(Ratings.from_matrix(rows), resamples=1000)
        numbers = [result.observed, result.alpha.value, result.fleiss.value, result.ac1.value]
        assert not any(isinstance(v, float) and math.isnan(v) for v in numbers)

    def test_rows_of_different_lengths_are_refused(self):
        with pytest.raises(ValueError, match="cells"):
            Ratings.from_matrix([["x", "y"], ["x"]])

    def test_two_values_of_one_annotator_are_refused(self):
        with pytest.raises(ValueError, match="two values"):
            Ratings.from_triples([(1, "ann", "x"), (1, "ann", "y")])


class TestShapes:
    def test_triples_and_matrix_agree(self):
        rows = [[1, 2, None], [1, 1, 1], [None, 3, 3], [2, 2, None]]
        triples = [
            (item, annotator, value)
            for item, row in enumerate(rows)
            for annotator, value in zip("abc", row, strict=True)
        ]
        assert agreement(Ratings.from_triples(triples)) == agreement(
            Ratings.from_matrix(rows, annotators="abc")
        )

    def test_patterns_are_counted_once(self):
        ratings = Ratings.from_matrix([["x", "y"]] * 1000 + [["x", "x"]] * 500)
        assert len(ratings.units) == 2 and sum(ratings.units.values()) == 1500
        assert ratings.units[((0, 0), (1, 1))] == 1000
        assert ratings.units[((0, 0), (1, 0))] == 500

    def test_each_annotator_against_the_others(self):
        # c disagrees with a and b on every item; a and b always agree.
        rows = [["x", "x", "y"], ["y", "y", "x"], ["x", "x", "y"], ["y", "y", "x"]]
        result = agreement(Ratings.from_matrix(rows, annotators="abc"))
        others = {a.annotator: a for a in result.annotators_vs_others}
        assert others["a"].observed == 0.5 and others["c"].observed == 0.0
        assert others["c"].pairs == 8 and others["c"].items == 4
        assert others["c"].alpha.value < others["a"].alpha.value

    def test_two_annotators_against_each_other_is_their_pair(self):
        result = agreement(two_raters([[20, 5], [10, 15]]))
        (pair,) = result.pairs_of_annotators
        for one in result.annotators_vs_others:
            assert one.observed == pytest.approx(pair.observed)

    def test_summary_of_a_subset(self):
        ratings = by_rows(KRIPPENDORFF_2011)
        summary = summarise(ratings.units)
        full = agreement(ratings)
        assert (summary.items, summary.values) == (full.items, full.values)
        assert summary.observed == pytest.approx(full.observed)
        assert summary.alpha.value == pytest.approx(full.alpha.value)

    def test_unit_agreement(self):
        ratings = Ratings.from_matrix([["x", "x", "y"]], labels=("x", "y"))
        unit = unit_agreement(ratings, ((0, 0), (1, 0), (2, 1)))
        assert (unit.values, unit.pairs, unit.agreeing, unit.majority) == (3, 3, 1, "x")
        assert unit_agreement(ratings, ((0, 0), (1, 1))).majority is None


class TestBootstrap:
    def test_reproducible_with_a_seed(self):
        ratings = by_rows(KRIPPENDORFF_2011)
        first = agreement(ratings, resamples=1000, seed=5).interval
        assert first == agreement(ratings, resamples=1000, seed=5).interval
        assert first != agreement(ratings, resamples=1000, seed=6).interval
        assert first.resamples == 1000 and first.draws == agreement(ratings).pairs

    def test_interval_around_alpha(self):
        result = agreement(by_rows(KRIPPENDORFF_2011), resamples=2000)
        assert result.interval.low < result.alpha.value < result.interval.high
        assert result.interval.high <= 1 and result.interval.low >= -1
        assert "2,000 resamples" in result.interval_note
        assert 0 < result.interval.below[0.8] < 1

    def test_macro_cap(self):
        # Three non-zero coincidence cells (yes-yes, no-no, yes-no): at most 75 draws.
        ratings = two_raters([[200, 50], [100, 150]])
        assert agreement(ratings, resamples=1000).interval.draws == 500
        assert agreement(ratings, resamples=1000, macro_cap=True).interval.draws == 75
        small = two_raters([[20, 5], [10, 15]])
        assert agreement(small, resamples=1000, macro_cap=True).interval.draws == 50

    def test_too_few_resamples(self):
        with pytest.raises(ValueError, match="1,000"):
            agreement(by_rows(KRIPPENDORFF_2011), resamples=999)

    def test_width_follows_sample_size(self):
        rng = random.Random(3)
        small = Ratings.from_matrix(_matrix(rng, 100, 3, 0.1, [50, 30, 20]))
        large = Ratings.from_matrix(_matrix(rng, 10_000, 3, 0.1, [50, 30, 20]))
        a = agreement(small, resamples=1000).interval
        b = agreement(large, resamples=1000).interval
        assert (b.high - b.low) < (a.high - a.low) / 5

    @pytest.mark.parametrize(
        ("n", "p"), [(30, 0.1), (200, 0.3), (5000, 0.02), (100_000, 0.4), (50, 0.9)]
    )
    def test_binomial_draws_follow_the_binomial_distribution(self, n, p):
        rng = random.Random(11)
        draws = [_binomial(rng, n, p) for _ in range(20_000)]
        assert all(0 <= d <= n for d in draws)
        mean = sum(draws) / len(draws)
        sd = math.sqrt(n * p * (1 - p))
        assert abs(mean - n * p) < 4 * sd / math.sqrt(len(draws))
        # Chi-square goodness of fit over bins of the exact distribution.
        low, high = int(stats.binom.ppf(0.001, n, p)), int(stats.binom.ppf(0.999, n, p))
        edges = np.unique(np.linspace(low, high + 1, 12).astype(int))
        observed, _ = np.histogram(draws, bins=edges)
        expected = np.diff(stats.binom.cdf(edges - 1, n, p)) * len(draws)
        keep = expected > 5
        statistic = float(((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum())
        assert stats.chi2.sf(statistic, keep.sum() - 1) > 1e-4


def test_exact_alpha_of_a_small_table():
    # 2 items coded by 2 annotators: (x, x) and (x, y). n = 4, o_xx = 2, o_xy = o_yx = 1,
    # n_x = 3, n_y = 1: alpha = 1 - (n - 1) * (o_xy + o_yx) / (2 * n_x * n_y) = 1 - 3*2/6 = 0.
    result = agreement(Ratings.from_matrix([["x", "x"], ["x", "y"]]))
    assert Fraction(result.alpha.value).limit_denominator(100) == 0


def _plain(value):
    """A figure as nested plain values, floats rounded, for comparing two implementations."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


WIDE_CELL = st.one_of(st.none(), st.sampled_from(["a", "a", "a", "b", "b", "c", "d"]))


class TestAgainstTheLoopReference:
    """Every figure equals the earlier pattern-by-pattern implementation's."""

    @settings(max_examples=200, deadline=None)
    @given(
        st.integers(1, 7).flatmap(
            lambda m: st.lists(st.lists(WIDE_CELL, min_size=m, max_size=m), min_size=0, max_size=60)
        ),
        st.booleans(),
    )
    def test_every_figure(self, rows, bootstrap):
        ratings = Ratings.from_matrix(rows, labels=("a", "b", "c", "d", "e"))
        old = loop_reference.Ratings(ratings.annotators, ratings.labels, ratings.units)
        options = {"resamples": 1000, "categories": 6} if bootstrap else {}
        # The sums themselves (o_cc, Gwet's shares, the pair tables...), then every figure.
        for cap in (False, True):
            assert _plain(_tally(ratings.cells(), macro_cap=cap)) == _plain(
                loop_reference.tally(old, macro_cap=cap)
            )
        assert _plain(agreement(ratings, **options)) == _plain(
            loop_reference.agreement(old, **options)
        )
        assert _plain(summarise(ratings.units)) == _plain(loop_reference.summarise(old.units))

    @pytest.mark.parametrize("seed", range(4))
    def test_many_annotators_per_item_and_many_labels(self, seed):
        # More values in an item than NEIGHBOURS (counted by a sort) and 300 labels.
        rng = random.Random(400 + seed)
        rows = [
            [
                None if rng.random() < 0.2 else rng.randrange(300) % rng.choice([3, 300])
                for _ in range(20)
            ]
            for _ in range(50)
        ]
        ratings = Ratings.from_matrix(rows)
        old = loop_reference.Ratings(ratings.annotators, ratings.labels, ratings.units)
        assert _plain(agreement(ratings, macro_cap=True, resamples=1000)) == _plain(
            loop_reference.agreement(old, macro_cap=True, resamples=1000)
        )

    @settings(max_examples=100, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 4), st.lists(WIDE_CELL, min_size=3, max_size=3)), max_size=40
        )
    )
    def test_per_group_summaries_are_each_groups_summary(self, grouped):
        rows = [row for _, row in grouped]
        groups = np.array([g for g, _ in grouped], dtype=np.int64)
        labels = ("a", "b", "c", "d")
        codes = {label: n for n, label in enumerate(labels)}
        item, annotator, code = [], [], []
        for u, row in enumerate(rows):
            for a, value in enumerate(row):
                if value is not None:
                    item.append(u)
                    annotator.append(a)
                    code.append(codes[value])
        cells = Cells.of("xyz", labels, item, annotator, code, items=len(rows))
        every = summaries(cells, groups, 5)
        assert summaries(cells, groups, 5, keep=[3, 1]) == [every[3], every[1]]
        for g, summary in enumerate(every):
            subset = [row for (h, row) in grouped if h == g]
            expected = loop_reference.summarise(
                Ratings.from_matrix(subset, annotators="xyz", labels=labels).units
            )
            assert _plain(summary) == _plain(expected)


class TestCells:
    def test_sorted_on_the_way_in(self):
        cells = Cells.of("ab", "xy", [1, 0, 1, 0], [1, 1, 0, 0], [0, 1, 1, 0])
        assert cells.item.tolist() == [0, 0, 1, 1] and cells.annotator.tolist() == [0, 1, 0, 1]
        assert cells.code.tolist() == [0, 1, 1, 0] and cells.weight.tolist() == [1, 1]

    def test_two_values_of_one_annotator_are_refused(self):
        with pytest.raises(ValueError, match="two values"):
            Cells.of("ab", "xy", [0, 0, 0], [1, 0, 1], [0, 0, 1])

    @pytest.mark.parametrize(
        ("arrays", "message"),
        [
            (([0], [0], [2]), "code"),
            (([0], [5], [0]), "annotator"),
            (([0, 1], [0], [0, 0]), "length"),
        ],
    )
    def test_out_of_range_is_refused(self, arrays, message):
        with pytest.raises(ValueError, match=message):
            Cells.of("ab", "xy", *arrays)

    def test_cells_and_patterns_give_the_same_figures(self):
        ratings = by_rows(KRIPPENDORFF_2011)
        assert agreement(ratings.cells()) == agreement(ratings)
