"""The pattern-by-pattern implementation of the agreement coefficients that
workbench/review/agreement.py had before it computed them with numpy (main at
8cb0be1), kept unchanged below this docstring as an independent reference:
tests/review/test_agreement.py checks that both give every figure alike.


The input is reliability data: items (claims) by annotators, each cell a value or
missing. ``Ratings`` holds it compressed: every value is an integer code, and every
item is a *pattern*, the tuple of its ``(annotator, code)`` pairs in annotator order
(missing cells left out); items with the same pattern are counted once, with their
number. Every coefficient here depends only on the patterns and their counts, so a
project of 100,000 items and a handful of labels is a few hundred distinct
patterns, and one pass over them computes everything.

``agreement(ratings)`` returns an ``Agreement``: the numbers of items, values and
pairs; observed agreement; Krippendorff's alpha (nominal, missing values allowed);
Fleiss' kappa (only when every item has the same number of values); Gwet's AC1;
Cohen's kappa for each pair of annotators; specific agreement per label; each
annotator against the others; and, on request, the bootstrap interval of alpha
of Hayes and Krippendorff (2007). A coefficient that is undefined for the data
(one label only, nothing to pair) is None with the reason, never NaN.

Formulas and choices: docs/agreement.md.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

# A pattern: ((annotator index, code), ...) in annotator order, missing cells left out.
Pattern = tuple[tuple[int, int], ...]
# The bootstrap's defaults: resamples, and the seed that makes it reproducible.
RESAMPLES = 1_000
SEED = 2007
# The alpha levels whose probability of not being reached the bootstrap reports
# (Krippendorff's 0.667 for tentative conclusions and 0.8 for reliable ones).
ALPHA_MINIMA = (0.667, 0.8)

NO_PAIRS = "no item has two values to compare"
ONE_ANNOTATOR = "only one annotator: nothing to compare"


@dataclass(frozen=True, slots=True)
class Ratings:
    """Reliability data, compressed: ``units`` maps each pattern (the item's
    ``(annotator index, code)`` pairs, in the order of ``annotators``, missing cells
    left out) to the number of items that have it; code ``c`` stands for ``labels[c]``."""

    annotators: tuple[Hashable, ...]
    labels: tuple[Hashable, ...]
    units: Mapping[Pattern, int]

    @classmethod
    def from_matrix(
        cls,
        rows: Iterable[Sequence[Hashable | None]],
        *,
        annotators: Sequence[Hashable] | None = None,
        labels: Sequence[Hashable] = (),
    ) -> Ratings:
        """Build from rows of items, one cell per annotator, None for missing.

        ``labels`` fixes the order of the codes (the codebook's); values not in it
        follow in order of appearance. Raises ValueError when rows differ in length
        or do not match ``annotators``.
        """
        codes: dict[Hashable, int] = {label: i for i, label in enumerate(labels)}
        units: Counter[Pattern] = Counter()
        width = len(annotators) if annotators is not None else None
        for row in rows:
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise ValueError(f"a row has {len(row)} cells, not {width}")
            units[
                tuple(
                    (i, codes.setdefault(v, len(codes))) for i, v in enumerate(row) if v is not None
                )
            ] += 1
        names = tuple(annotators) if annotators is not None else tuple(range(width or 0))
        return cls(names, tuple(codes), units)

    @classmethod
    def from_triples(
        cls,
        triples: Iterable[tuple[Hashable, Hashable, Hashable | None]],
        *,
        labels: Sequence[Hashable] = (),
    ) -> Ratings:
        """Build from ``(item, annotator, value)`` triples (value None: missing).

        Raises ValueError when an annotator gives one item two values.
        """
        codes: dict[Hashable, int] = {label: i for i, label in enumerate(labels)}
        columns: dict[Hashable, int] = {}
        items: dict[Hashable, dict[int, int | None]] = {}
        for item, annotator, value in triples:
            column = columns.setdefault(annotator, len(columns))
            cells = items.setdefault(item, {})
            if column in cells:
                raise ValueError(f"annotator {annotator!r} has two values for item {item!r}")
            cells[column] = None if value is None else codes.setdefault(value, len(codes))
        units: Counter[Pattern] = Counter()
        for cells in items.values():
            units[tuple(sorted((i, c) for i, c in cells.items() if c is not None))] += 1
        return cls(tuple(columns), tuple(codes), units)


@dataclass(frozen=True, slots=True)
class Coefficient:
    """A coefficient's value, or None with the reason it is not computed."""

    value: float | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Interval:
    """A bootstrap interval of alpha (Hayes and Krippendorff 2007)."""

    low: float
    high: float
    resamples: int
    draws: int  # M, the pairs drawn in each resample
    seed: int
    level: float = 0.95
    # alpha minimum -> share of resamples below it (the probability of failing to reach it)
    below: dict[float, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Two annotators on the items both coded: Cohen's kappa and observed agreement."""

    first: Hashable
    second: Hashable
    items: int
    observed: float
    kappa: Coefficient


@dataclass(frozen=True, slots=True)
class LabelAgreement:
    """Specific agreement on one label: of the pair-values with the label, the share
    whose other value is the same label (2 x agreeing pairs / pair-values with it)."""

    label: Hashable
    values: int  # pairable values with this label
    agreement: float | None


@dataclass(frozen=True, slots=True)
class AnnotatorAgreement:
    """One annotator against the others: the pairs of their values with the other
    values of the same items; ``alpha`` is 1 - D_o(these pairs) / D_e(all data)."""

    annotator: Hashable
    items: int
    pairs: int
    observed: float | None
    alpha: Coefficient


@dataclass(frozen=True, slots=True)
class Summary:
    """The headline figures of a subset (an article): items, values, observed, alpha."""

    items: int
    values: int
    observed: float | None
    alpha: Coefficient


@dataclass(frozen=True, slots=True)
class Agreement:
    """Every figure for one field. ``items_coded`` counts the items with at least one
    value; ``items`` those with two or more (the pairable ones), ``values`` their
    values (Krippendorff's n), ``pairs`` the unordered pairs of values within items."""

    annotators: int
    items_coded: int
    items: int
    values: int
    pairs: int
    categories: int
    observed: float | None
    alpha: Coefficient
    fleiss: Coefficient
    ac1: Coefficient
    interval: Interval | None
    interval_note: str
    pairs_of_annotators: list[PairAgreement]
    labels: list[LabelAgreement]
    annotators_vs_others: list[AnnotatorAgreement]


@dataclass(frozen=True, slots=True)
class UnitAgreement:
    """One item: its number of values, pairs and agreeing pairs, and the label most of
    its values have (None on a tie)."""

    values: int
    pairs: int
    agreeing: int
    majority: Hashable | None

    @property
    def share(self) -> float | None:
        return self.agreeing / self.pairs if self.pairs else None


def unit_agreement(ratings: Ratings, pattern: Pattern) -> UnitAgreement:
    """Return the agreement within one item of ``ratings`` (its pattern)."""
    counts = Counter(c for _, c in pattern)
    m = sum(counts.values())
    ranked = counts.most_common(2)
    majority = None
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        majority = ratings.labels[ranked[0][0]]
    agreeing = sum(k * (k - 1) // 2 for k in counts.values())
    return UnitAgreement(m, m * (m - 1) // 2, agreeing, majority)


def _alpha(n: int, diagonal: float, squares: float, reason_one: str) -> Coefficient:
    """Nominal alpha from n, the sum of the coincidence matrix's diagonal and the sum
    of squared label totals: 1 - (n - 1) (n - sum o_cc) / (n^2 - sum n_c^2)."""
    if n == 0:
        return Coefficient(None, NO_PAIRS)
    if n * n == squares:
        return Coefficient(None, reason_one)
    return Coefficient(1 - (n - 1) * (n - diagonal) / (n * n - squares))


def _one_label(labels: Iterable[Hashable]) -> str:
    only = ", ".join(repr(label) for label in labels)
    return (
        f"every value is the same label ({only}): there is no variation to measure "
        "agreement against (chance agreement is 1)"
    )


def summarise(units: Mapping[Pattern, int]) -> Summary:
    """Return items, values, observed agreement and alpha of a subset of patterns
    (an article's claims), with the subset's own expected disagreement."""
    items = values = 0
    observed = diagonal = 0.0
    totals: Counter[int] = Counter()
    for pattern, weight in units.items():
        m = len(pattern)
        if m < 2:
            continue
        counts = Counter(c for _, c in pattern)
        same = 0
        for code, k in counts.items():
            same += k * (k - 1)
            totals[code] += weight * k
        items += weight
        values += weight * m
        observed += weight * same / (m * (m - 1))
        diagonal += weight * same / (m - 1)
    squares = sum(t * t for t in totals.values())
    alpha = _alpha(values, diagonal, squares, "one label only: no variation")
    return Summary(items, values, observed / items if items else None, alpha)


def agreement(
    ratings: Ratings,
    *,
    categories: int | None = None,
    resamples: int = 0,
    seed: int = SEED,
    macro_cap: bool = False,
) -> Agreement:
    """Return every agreement figure of ``ratings``.

    ``categories`` is the number of labels the codebook offers (Gwet's q, at least
    the number of labels used; default: the labels used). ``resamples`` > 0 adds the
    bootstrap interval of alpha with that many resamples (at least 1,000), seeded
    with ``seed``; each resample draws as many pairs as the data has, or, with
    ``macro_cap``, at most 25 per non-zero coincidence cell as the KALPHA macro does
    (see ``_bootstrap``). Raises ValueError for fewer resamples.
    """
    if resamples and resamples < 1000:
        raise ValueError("the bootstrap needs at least 1,000 resamples")
    width = len(ratings.annotators)
    items_coded = items = values = pairs = 0
    observed = diagonal = 0.0
    # Plain dicts and local names: this loop runs once per distinct pattern, which for
    # a speaker field is nearly once per item.
    totals: dict[int, int] = {}  # pairable values per label (n_c)
    diagonals: dict[int, float] = {}  # o_cc
    shares: dict[int, float] = {}  # Gwet's sum over items of r_ik / r_i
    specific_same: dict[int, int] = {}
    specific_all: dict[int, int] = {}
    cells: set[tuple[int, int]] = set()  # off-diagonal coincidences seen
    sizes: set[int] = set()
    tables: dict[tuple[int, int, int, int], int] = {}  # (i, j, c_i, c_j) -> items
    coder_items: dict[int, int] = {}
    coder_pairs: dict[int, int] = {}
    coder_same: dict[int, int] = {}
    for present, weight in ratings.units.items():
        m = len(present)
        if not m:
            continue
        items_coded += weight
        if m == 1:
            code = present[0][1]
            shares[code] = shares.get(code, 0.0) + weight
            continue
        counts: dict[int, int] = {}
        for _, code in present:
            counts[code] = counts.get(code, 0) + 1
        sizes.add(m)
        items += weight
        values += weight * m
        pairs += weight * m * (m - 1) // 2
        same = 0
        for code, k in counts.items():
            shares[code] = shares.get(code, 0.0) + weight * k / m
            totals[code] = totals.get(code, 0) + weight * k
            specific_all[code] = specific_all.get(code, 0) + weight * k * (m - 1)
            if k > 1:
                agreeing = k * (k - 1)
                same += agreeing
                diagonals[code] = diagonals.get(code, 0.0) + weight * agreeing / (m - 1)
                specific_same[code] = specific_same.get(code, 0) + weight * agreeing
        observed += weight * same / (m * (m - 1))
        diagonal += weight * same / (m - 1)
        if macro_cap and len(counts) > 1:
            cells.update(combinations(sorted(counts), 2))
        for a in range(m - 1):
            i, ci = present[a]
            for b in range(a + 1, m):
                j, cj = present[b]
                key = (i, j, ci, cj)
                tables[key] = tables.get(key, 0) + weight
        for i, code in present:
            coder_items[i] = coder_items.get(i, 0) + weight
            coder_pairs[i] = coder_pairs.get(i, 0) + weight * (m - 1)
            coder_same[i] = coder_same.get(i, 0) + weight * (counts[code] - 1)
    seen = shares

    labels = ratings.labels
    # Only ever shown when a single label was used.
    one = _one_label(labels[c] for c in sorted(totals)) if len(totals) < 3 else ""
    squares = sum(t * t for t in totals.values())
    none = ONE_ANNOTATOR if width < 2 else NO_PAIRS
    alpha = _alpha(values, diagonal, squares, one) if values else Coefficient(None, none)
    mean_observed = observed / items if items else None

    if not items:
        fleiss = Coefficient(None, none)
    elif len(sizes) > 1:
        fleiss = Coefficient(
            None,
            f"items have {min(sizes)} to {max(sizes)} values: Fleiss' kappa needs the "
            "same number of annotators on every item",
        )
    else:
        chance = squares / (values * values)
        fleiss = (
            Coefficient(None, one)
            if chance == 1
            else Coefficient((mean_observed - chance) / (1 - chance))
        )

    q = max(categories or 0, len(seen))
    if not items:
        ac1 = Coefficient(None, none)
    elif q < 2:
        ac1 = Coefficient(None, f"{one}, and no other label is offered")
    else:
        chance = sum(s / items_coded * (1 - s / items_coded) for s in shares.values()) / (q - 1)
        ac1 = Coefficient((mean_observed - chance) / (1 - chance))

    interval, note = None, ""
    if resamples:
        if alpha.value is None:
            note = f"no interval: alpha is not computed ({alpha.reason})"
        else:
            interval = _bootstrap(
                values,
                diagonal,
                squares,
                diagonals,
                pairs,
                len(cells) + sum(1 for v in diagonals.values() if v) if macro_cap else None,
                resamples,
                seed,
            )
            note = (
                f"{resamples:,} resamples of {interval.draws:,} pairs each "
                f"(Hayes and Krippendorff 2007), seed {seed}"
            )

    expected = (values * values - squares) / (values * (values - 1)) if values > 1 else 0.0
    return Agreement(
        annotators=width,
        items_coded=items_coded,
        items=items,
        values=values,
        pairs=pairs,
        categories=q,
        observed=mean_observed,
        alpha=alpha,
        fleiss=fleiss,
        ac1=ac1,
        interval=interval,
        interval_note=note,
        pairs_of_annotators=_pairs(ratings, tables),
        labels=[
            LabelAgreement(
                labels[c],
                totals[c],
                specific_same.get(c, 0) / specific_all[c] if specific_all.get(c) else None,
            )
            for c in sorted(totals)
        ],
        annotators_vs_others=[
            _against_others(
                ratings.annotators[i], coder_items[i], coder_pairs[i], coder_same[i], expected, one
            )
            for i in sorted(coder_items)
        ],
    )


def _pairs(ratings: Ratings, tables: dict[tuple[int, int, int, int], int]) -> list[PairAgreement]:
    """Cohen's kappa for each pair of annotators with an item in common."""
    grouped: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for (i, j, ci, cj), count in tables.items():
        grouped.setdefault((i, j), []).append((ci, cj, count))
    result = []
    for (i, j), cells in sorted(grouped.items()):
        n = sum(count for _, _, count in cells)
        first: Counter[int] = Counter()
        second: Counter[int] = Counter()
        same = 0
        for ci, cj, count in cells:
            first[ci] += count
            second[cj] += count
            if ci == cj:
                same += count
        chance = sum(first[c] * second[c] for c in first) / (n * n)
        observed = same / n
        if chance == 1:
            kappa = Coefficient(
                None,
                _one_label([ratings.labels[c] for c in first])
                + ", for both annotators on the items they share",
            )
        else:
            kappa = Coefficient((observed - chance) / (1 - chance))
        result.append(
            PairAgreement(ratings.annotators[i], ratings.annotators[j], n, observed, kappa)
        )
    return result


def _against_others(annotator, items, pairs, same, expected, one) -> AnnotatorAgreement:
    observed = same / pairs if pairs else None
    if not pairs:
        alpha = Coefficient(None, NO_PAIRS)
    elif expected == 0:
        alpha = Coefficient(None, one)
    else:
        alpha = Coefficient(1 - (1 - observed) / expected)
    return AnnotatorAgreement(annotator, items, pairs, observed, alpha)


def _bootstrap(
    n: int,
    diagonal: float,
    squares: float,
    diagonals: Mapping[int, float],
    pairs: int,
    nonzero_cells: int | None,
    resamples: int,
    seed: int,
) -> Interval:
    """Hayes and Krippendorff's (2007) bootstrap of nominal alpha (their KALPHA macro).

    Each resample draws M pairs of values from the observed coincidences (a
    diagonal cell with probability o_cc/n, an off-diagonal cell c,k with 2 o_ck/n)
    and computes alpha* = 1 - (disagreeing draws) / (M D_e), D_e kept from the data.
    With the nominal metric a draw's difference is 0 or 1, so the number of
    disagreeing draws is Binomial(M, D_o), drawn here directly. M is P, the pairs
    of values in the data (the macro's (m - 1) n / 2, which is P when no value is
    missing); the macro caps it at 25 Q, Q the non-zero cells of the coincidence
    matrix, to save time, which a binomial draw does not need; with
    ``nonzero_cells`` given, M = min(25 Q, P) as in the macro.
    As in the macro: alpha* below -1 is -1; an alpha* of 1 from a single label is 0;
    of the remaining alpha* = 1, as many as the expected number of resamples drawn
    entirely from one diagonal cell are set to 0.
    """
    rng = random.Random(seed)
    disagreement = (n - diagonal) / n
    expected = (n * n - squares) / (n * (n - 1))
    draws = pairs if nonzero_cells is None else min(25 * nonzero_cells, pairs)
    agreeing_labels = sum(1 for v in diagonals.values() if v > 0)
    samples = []
    ones = 0
    for _ in range(resamples):
        wrong = _binomial(rng, draws, disagreement)
        value = 1 - wrong / (draws * expected)
        if value < -1:
            value = -1.0
        elif wrong == 0:
            if agreeing_labels == 1:
                value = 0.0
            else:
                ones += 1
        samples.append(value)
    degenerate = round(resamples * sum((v / n) ** pairs for v in diagonals.values()))
    if degenerate and agreeing_labels > 1:
        to_zero = min(degenerate, ones)
        for i, value in enumerate(samples):
            if not to_zero:
                break
            if value == 1:
                samples[i] = 0.0
                to_zero -= 1
    samples.sort()
    low = samples[int(0.025 * resamples) - 1]
    high = samples[int(0.975 * resamples)]
    below = {
        minimum: sum(1 for v in samples if v < minimum) / resamples for minimum in ALPHA_MINIMA
    }
    return Interval(low, high, resamples, draws, seed, 0.95, below)


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """One draw from Binomial(n, p): the geometric method for small n p, else
    Hörmann's (1993) BTRS transformed rejection (as Python 3.12's
    random.binomialvariate, which 3.11 lacks)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - _binomial(rng, n, 1.0 - p)
    if n * p < 10.0:
        x = y = 0
        c = math.log2(1.0 - p)
        while True:
            y += math.floor(math.log2(1.0 - rng.random()) / c) + 1
            if y > n:
                return x
            x += 1
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    vr = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = math.log(p / (1.0 - p))
    mode = math.floor((n + 1) * p)
    h = math.lgamma(mode + 1) + math.lgamma(n - mode + 1)
    while True:
        u = rng.random() - 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c) if us > 0 else -1
        if k < 0 or k > n:
            continue
        v = rng.random()
        if us >= 0.07 and v <= vr:
            return k
        v *= alpha / (a / (us * us) + b)
        if (
            v > 0
            and math.log(v) <= h - math.lgamma(k + 1) - math.lgamma(n - k + 1) + (k - mode) * lpq
        ):
            return k
