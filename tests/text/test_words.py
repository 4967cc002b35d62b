"""Counts in words."""

from __future__ import annotations

import pytest

from workbench.words import counted


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 annotations"), (1, "1 annotation"), (2, "2 annotations"), (1204, "1,204 annotations")],
)
def test_a_count_takes_the_noun_that_fits(count, expected):
    assert counted(count, "annotation") == expected


def test_an_irregular_plural():
    assert counted(1, "entry", "entries") == "1 entry"
    assert counted(3, "entry", "entries") == "3 entries"
