"""The pattern-by-pattern implementation of the agreement coefficients that
workbench/review/agreement.py had before it computed them with numpy (main at
8cb0be1): its loops over patterns (``agreement``, ``summarise``, ``_pairs``), kept
unchanged as an independent reference for the sums; what both share unchanged (the
data classes, alpha from its sums, the bootstrap) is imported from the module.
tests/review/test_agreement.py checks that both give every figure alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import combinations

from workbench.review.agreement import (
    NO_PAIRS,
    ONE_ANNOTATOR,
    SEED,
    Agreement,
    Coefficient,
    LabelAgreement,
    PairAgreement,
    Pattern,
    Ratings,
    Summary,
    _against_others,
    _alpha,
    _bootstrap,
    _one_label,
)

__all__ = ["NO_PAIRS", "Ratings", "agreement", "summarise"]


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
