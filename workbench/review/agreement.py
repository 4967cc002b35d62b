"""Agreement coefficients for nominal coding, as a methods section reports them (pure).

The input is reliability data: items (claims) by annotators, each cell a value or
missing, every value an integer code. It comes in two forms:

- ``Cells``: arrays with one entry per value (item, annotator, code) and a weight
  per item; ``ops.agreement`` reads a project into this form, and every
  coefficient is computed from it with numpy (sums over values and over the pairs
  of values within items, no Python loop per item);
- ``Ratings``: the same compressed into *patterns*, the tuple of an item's
  ``(annotator, code)`` pairs in annotator order (missing cells left out), each
  counted once with its number of items; convenient to build by hand and from
  matrices or triples (the tests), and turned into cells weighted by the counts.

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

import numpy as np

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

    def cells(self) -> Cells:
        """The same data as arrays, one item per pattern weighted by its count."""
        patterns = list(self.units.items())
        flat = [pair for pattern, _ in patterns for pair in pattern]
        return Cells.of(
            self.annotators,
            self.labels,
            np.repeat(np.arange(len(patterns)), [len(pattern) for pattern, _ in patterns]),
            [a for a, _ in flat],
            [c for _, c in flat],
            [count for _, count in patterns],
            items=len(patterns),
        )

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


@dataclass(frozen=True, slots=True, eq=False)
class Cells:
    """Reliability data as arrays, one entry per value that is not missing: value
    ``v`` is annotator ``annotator[v]``'s code ``code[v]`` on item ``item[v]``, in
    order of item and, within an item, of annotator; ``weight[u]`` is how many items
    item ``u`` stands for (1 for data read row by row, a pattern's count otherwise).
    Items may have no values (they count nowhere). Build with ``Cells.of``.

    Every coefficient is computed from this form with numpy: a 100,000-claim project
    is arrays of 300,000 values, summed without a Python loop per item or value."""

    annotators: tuple[Hashable, ...]
    labels: tuple[Hashable, ...]
    item: np.ndarray
    annotator: np.ndarray
    code: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, annotators, labels, item, annotator, code, weight=None, *, items=None) -> Cells:
        """Return the cells, sorted by item and annotator if they are not already.

        ``items`` is the number of items (default: one past the largest ``item``);
        ``weight`` defaults to 1 for every item. Raises ValueError when the arrays
        differ in length, a code or annotator is out of range, or an annotator has
        two values on one item.
        """
        item = np.asarray(item, dtype=np.int64)
        annotator = np.asarray(annotator, dtype=np.int64)
        code = np.asarray(code, dtype=np.int64)
        if not (len(item) == len(annotator) == len(code)):
            raise ValueError("item, annotator and code differ in length")
        if items is None:
            items = int(item.max()) + 1 if len(item) else 0
        weight = (
            np.ones(items, dtype=np.int64) if weight is None else np.asarray(weight, dtype=np.int64)
        )
        if len(weight) != items:
            raise ValueError(f"{len(weight)} weights for {items} items")
        if len(item):
            if item.min() < 0 or item.max() >= items:
                raise ValueError("an item index is out of range")
            if annotator.min() < 0 or annotator.max() >= len(annotators):
                raise ValueError("an annotator index is out of range")
            if code.min() < 0 or code.max() >= len(labels):
                raise ValueError("a code is out of range")
        if len(item) > 1:
            step = np.diff(item)
            if not np.all((step > 0) | ((step == 0) & (np.diff(annotator) > 0))):
                order = np.lexsort((annotator, item))
                item, annotator, code = item[order], annotator[order], code[order]
                step = np.diff(item)
                if np.any((step == 0) & (np.diff(annotator) == 0)):
                    raise ValueError("an annotator has two values on one item")
        return cls(tuple(annotators), tuple(labels), item, annotator, code, weight)


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


def unit_agreement(ratings: Ratings | Cells, pattern: Pattern) -> UnitAgreement:
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
    codes = {c for pattern in units for _, c in pattern}
    annotators = {a for pattern in units for a, _ in pattern}
    ratings = Ratings(
        tuple(range(max(annotators, default=-1) + 1)),
        tuple(range(max(codes, default=-1) + 1)),
        units,
    )
    cells = ratings.cells()
    (summary,) = summaries(cells, np.zeros(len(cells.weight), dtype=np.int64), 1)
    return summary


def agreement(
    ratings: Ratings | Cells,
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
    cells = ratings if isinstance(ratings, Cells) else ratings.cells()
    tally = _tally(cells, macro_cap=macro_cap)
    return _figures(
        cells, tally, categories=categories, resamples=resamples, seed=seed, macro_cap=macro_cap
    )


def _figures(
    data: Ratings | Cells,
    t: _Tally,
    *,
    categories: int | None,
    resamples: int,
    seed: int,
    macro_cap: bool,
) -> Agreement:
    """Every figure from the sums of ``t`` (``data`` names the annotators and labels)."""
    width = len(data.annotators)
    items_coded, items, values, pairs = t.items_coded, t.items, t.values, t.pairs
    observed, diagonal = t.observed, t.diagonal
    totals, diagonals, shares = t.totals, t.diagonals, t.shares
    specific_same, specific_all, sizes = t.specific_same, t.specific_all, t.sizes
    coder_items, coder_pairs, coder_same = t.coder_items, t.coder_pairs, t.coder_same
    seen = shares

    labels = data.labels
    # Only ever shown when a single label was used.
    one = _one_label(labels[c] for c in sorted(totals)) if len(totals) < 3 else ""
    squares = sum(total * total for total in totals.values())
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
                t.off_diagonal_cells + sum(1 for v in diagonals.values() if v)
                if macro_cap
                else None,
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
        pairs_of_annotators=_pairs(data, t.pair_stats),
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
                data.annotators[i], coder_items[i], coder_pairs[i], coder_same[i], expected, one
            )
            for i in sorted(coder_items)
        ],
    )


# One pair of annotators: their indexes, the items they share (weighted), the items
# they agree on, chance agreement from their marginals, and the codes the first used.
_PairStats = tuple[int, int, int, int, float, list[int]]


@dataclass(frozen=True, slots=True)
class _Tally:
    """The sums every coefficient is computed from (``agreement``); per-label and
    per-annotator sums are dicts over the labels and annotators that occur."""

    items_coded: int
    items: int
    values: int
    pairs: int
    observed: float  # sum over pairable items of weight x agreeing / possible pairs
    diagonal: float  # sum of the coincidence matrix's diagonal
    totals: dict[int, int]  # pairable values per label (n_c)
    diagonals: dict[int, float]  # o_cc, for labels with an agreeing pair
    shares: dict[int, float]  # Gwet's sum over coded items of r_ik / r_i
    specific_same: dict[int, int]
    specific_all: dict[int, int]
    sizes: set[int]  # the numbers of values of pairable items
    off_diagonal_cells: int  # distinct pairs of different labels within an item
    pair_stats: list[_PairStats]
    coder_items: dict[int, int]
    coder_pairs: dict[int, int]
    coder_same: dict[int, int]


# Above this many values in one item, the counts of equal values within items come
# from a sort rather than from comparing each value with its neighbours.
NEIGHBOURS = 16


@dataclass(frozen=True, slots=True)
class _Values:
    """Per value of an item with two values or more (``keep`` picks them out of the
    cells): its annotator, code, item's weight ``w``, item's number of values ``m``,
    and ``k``, how many values of its item have its code (itself included)."""

    keep: np.ndarray
    annotator: np.ndarray
    code: np.ndarray
    item: np.ndarray
    w: np.ndarray
    m: np.ndarray
    k: np.ndarray


def _values(cells: Cells) -> tuple[np.ndarray, _Values]:
    """Return the number of values of each item, and the pairable values."""
    m_item = np.bincount(cells.item, minlength=len(cells.weight))
    keep = m_item[cells.item] >= 2
    item, code = cells.item[keep], cells.code[keep]
    m = m_item[item]
    largest = int(m.max()) if len(m) else 0
    if largest <= NEIGHBOURS:
        # Values are in item order: equal values of an item are at most m - 1 apart.
        k = np.ones(len(item), dtype=np.int64)
        for d in range(1, largest):
            same = (item[d:] == item[:-d]) & (code[d:] == code[:-d])
            k[d:] += same
            k[:-d] += same
    else:
        _, inverse, counts = np.unique(
            item * max(len(cells.labels), 1) + code, return_inverse=True, return_counts=True
        )
        k = counts[inverse.reshape(-1)]
    w = cells.weight[item].astype(float)
    return m_item, _Values(
        keep, cells.annotator[keep], code, item, w, m.astype(float), k.astype(float)
    )


def _nonzero(sums: np.ndarray, as_int: bool) -> dict:
    """{index: sum} for the non-zero sums, as Python numbers."""
    where = np.flatnonzero(sums)
    values = sums[where]
    if as_int:
        values = np.rint(values).astype(np.int64)
    return dict(zip(where.tolist(), values.tolist(), strict=True))


def _tally(cells: Cells, *, macro_cap: bool = False) -> _Tally:
    """Sum what the coefficients need over the cells, with numpy.

    Every per-item sum of the formulas is a sum over the item's values: with k the
    number of the item's values equal to a value, an item's agreeing ordered pairs
    are the sum of k - 1 over its values, label c's n_c the number of c values, o_cc
    the sum of (k - 1) / (m - 1) over them (docs/agreement.md).
    """
    labels = max(len(cells.labels), 1)
    width = max(len(cells.annotators), 1)
    weight = cells.weight
    m_item, v = _values(cells)
    pairable = m_item >= 2
    pm, pw = m_item[pairable], weight[pairable]

    def by_label(values):
        return np.bincount(v.code, weights=values, minlength=labels)

    def by_annotator(values):
        return np.bincount(v.annotator, weights=values, minlength=width)

    agreeing = v.k - 1
    single = m_item[cells.item] == 1
    shares = by_label(v.w / v.m) + np.bincount(
        cells.code[single], weights=weight[cells.item[single]].astype(float), minlength=labels
    )
    coder_items = by_annotator(v.w)

    # Every pair of values within an item: (first annotator, second, their codes).
    starts = np.concatenate(([0], np.cumsum(pm)[:-1])).astype(np.int64)
    parts: list[tuple[np.ndarray, ...]] = []
    sizes = set(np.unique(pm).tolist())
    for size in sorted(sizes):
        chosen = np.flatnonzero(pm == size)
        first, w = starts[chosen], pw[chosen]
        for a in range(size - 1):
            for b in range(a + 1, size):
                x, y = first + a, first + b
                parts.append((v.annotator[x], v.annotator[y], v.code[x], v.code[y], w))
    off_diagonal = 0
    pair_stats: list[_PairStats] = []
    if parts:
        i, j, ci, cj, w = (np.concatenate(column) for column in zip(*parts, strict=True))
        w = w.astype(float)
        if macro_cap:
            differ = ci != cj
            low, high = np.minimum(ci, cj)[differ], np.maximum(ci, cj)[differ]
            off_diagonal = len(np.unique(low * labels + high))
        pair = i * width + j
        found = np.flatnonzero(np.bincount(pair, minlength=width * width))
        if len(found) > 1:
            order = np.argsort(pair, kind="stable")
            pair, ci, cj, w = pair[order], ci[order], cj[order], w[order]
        begins = np.searchsorted(pair, found)
        ends = [*begins[1:].tolist(), len(pair)]
        for p, begin, end in zip(found.tolist(), begins.tolist(), ends, strict=True):
            a, b, ww = ci[begin:end], cj[begin:end], w[begin:end]
            margin_a = np.bincount(a, weights=ww, minlength=labels)
            margin_b = np.bincount(b, weights=ww, minlength=labels)
            n = int(round(float(ww.sum())))
            agree = int(round(float(ww[a == b].sum())))
            both = int(round(float(margin_a @ margin_b)))
            used = np.flatnonzero(margin_a).tolist()
            pair_stats.append((p // width, p % width, n, agree, both / (n * n), used))

    return _Tally(
        items_coded=int(weight[m_item >= 1].sum()),
        items=int(pw.sum()),
        values=int((pw * pm).sum()),
        pairs=int((pw * pm * (pm - 1) // 2).sum()),
        observed=float((v.w * agreeing / (v.m * (v.m - 1))).sum()),
        diagonal=float((v.w * agreeing / (v.m - 1)).sum()),
        totals=_nonzero(by_label(v.w), True),
        diagonals=_nonzero(by_label(v.w * agreeing / (v.m - 1)), False),
        shares=_nonzero(shares, False),
        specific_same=_nonzero(by_label(v.w * agreeing), True),
        specific_all=_nonzero(by_label(v.w * (v.m - 1)), True),
        sizes=sizes,
        off_diagonal_cells=off_diagonal,
        pair_stats=pair_stats,
        coder_items=_nonzero(coder_items, True),
        coder_pairs=_nonzero(by_annotator(v.w * (v.m - 1)), True),
        coder_same={
            i: int(round(x))
            for i, x in enumerate(by_annotator(v.w * agreeing).tolist())
            if coder_items[i]
        },
    )


def summaries(
    cells: Cells, group: np.ndarray, groups: int, keep: Sequence[int] | None = None
) -> list[Summary]:
    """Return items, values, observed agreement and alpha for each of ``groups``
    subsets of the items (``group[u]``: the subset of item ``u``, an article), each
    with its own expected disagreement; with ``keep``, for those subsets only (a
    page of articles), in that order."""
    labels = max(len(cells.labels), 1)
    group = np.asarray(group, dtype=np.int64)
    if keep is not None and len(keep) < groups:
        # Only the kept groups' items matter: sum over those alone (a page of 100
        # articles of 5,000 is a fiftieth of the values).
        wanted = np.zeros(groups, dtype=bool)
        wanted[np.asarray(keep, dtype=np.int64)] = True
        in_kept = wanted[group]
        on_kept = in_kept[cells.item]
        renumbered = np.cumsum(in_kept) - 1
        cells = Cells(
            cells.annotators,
            cells.labels,
            renumbered[cells.item[on_kept]],
            cells.annotator[on_kept],
            cells.code[on_kept],
            cells.weight[in_kept],
        )
        group = group[in_kept]
    m_item, v = _values(cells)
    pairable = m_item >= 2
    of_item = group[pairable]
    w_item = cells.weight[pairable].astype(float)
    items = np.bincount(of_item, weights=w_item, minlength=groups)
    values = np.bincount(of_item, weights=w_item * m_item[pairable], minlength=groups)
    of_value = group[v.item]
    agreeing = v.k - 1
    observed = np.bincount(of_value, weights=v.w * agreeing / (v.m * (v.m - 1)), minlength=groups)
    diagonal = np.bincount(of_value, weights=v.w * agreeing / (v.m - 1), minlength=groups)
    # The sum over labels of the squared label totals, per group: a dense groups x
    # labels table when it is small, else the distinct (group, label) keys.
    key = of_value * labels + v.code
    if groups * labels <= 4 * len(key) + 4096:
        totals = np.bincount(key, weights=v.w, minlength=groups * labels)
        squares = (totals * totals).reshape(groups, labels).sum(axis=1)
    else:
        keys, of_key = np.unique(key, return_inverse=True)
        totals = np.bincount(of_key.reshape(-1), weights=v.w, minlength=len(keys))
        squares = np.bincount(keys // labels, weights=totals * totals, minlength=groups)
    chosen = np.arange(groups) if keep is None else np.asarray(keep, dtype=np.int64)
    result = []
    for n_items, n, obs, diag, sq in zip(
        np.rint(items[chosen]).astype(np.int64).tolist(),
        np.rint(values[chosen]).astype(np.int64).tolist(),
        observed[chosen].tolist(),
        diagonal[chosen].tolist(),
        squares[chosen].tolist(),
        strict=True,
    ):
        alpha = _alpha(n, diag, sq, "one label only: no variation")
        result.append(Summary(n_items, n, obs / n_items if n_items else None, alpha))
    return result


def _pairs(data: Ratings | Cells, stats: list[_PairStats]) -> list[PairAgreement]:
    """Cohen's kappa for each pair of annotators with an item in common."""
    result = []
    for i, j, n, same, chance, first in stats:
        observed = same / n
        if chance == 1:
            kappa = Coefficient(
                None,
                _one_label([data.labels[c] for c in first])
                + ", for both annotators on the items they share",
            )
        else:
            kappa = Coefficient((observed - chance) / (1 - chance))
        result.append(PairAgreement(data.annotators[i], data.annotators[j], n, observed, kappa))
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
