"""The pattern-by-pattern implementation of the agreement coefficients that
workbench/review/agreement.py had before it computed them with numpy (main at
8cb0be1): its loops over patterns, kept as an independent reference for the sums
(``tally``, ``summarise``). What turns sums into figures (alpha, kappas, AC1, the
bootstrap) was not changed and is the module's own (``_figures``).
tests/review/test_agreement.py checks that both give the same sums and figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import combinations

from workbench.review.agreement import (
    NO_PAIRS,
    SEED,
    Agreement,
    Pattern,
    Ratings,
    Summary,
    _alpha,
    _figures,
    _Tally,
)

__all__ = ["NO_PAIRS", "Ratings", "agreement", "summarise", "tally"]


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


def tally(ratings: Ratings, *, macro_cap: bool = False) -> _Tally:
    """The sums the coefficients are computed from, by the earlier loop over patterns."""
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
    return _Tally(
        items_coded=items_coded,
        items=items,
        values=values,
        pairs=pairs,
        observed=observed,
        diagonal=diagonal,
        totals=totals,
        diagonals={c: v for c, v in diagonals.items() if v},
        shares=shares,
        specific_same=specific_same,
        specific_all=specific_all,
        sizes=sizes,
        off_diagonal_cells=len(cells),
        pair_stats=_pair_stats(tables),
        coder_items=coder_items,
        coder_pairs=coder_pairs,
        coder_same=coder_same,
    )


def agreement(
    ratings: Ratings,
    *,
    categories: int | None = None,
    resamples: int = 0,
    seed: int = SEED,
    macro_cap: bool = False,
) -> Agreement:
    """Every figure, from the loop's sums (the figures from sums are the module's)."""
    return _figures(
        ratings,
        tally(ratings, macro_cap=macro_cap),
        categories=categories,
        resamples=resamples,
        seed=seed,
        macro_cap=macro_cap,
    )


def _pair_stats(tables: dict[tuple[int, int, int, int], int]) -> list:
    """Per pair of annotators with an item in common: (i, j, items, agreeing items,
    chance agreement, the first's codes), as the earlier ``_pairs`` summed them."""
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
        result.append((i, j, n, same, chance, sorted(first)))
    return result
