"""The one walk along merge chains: it ends, on a cycle or an absurd chain too."""

from __future__ import annotations

import pytest

from workbench.merges import MergeCycle, follow_merges


def test_a_chain_is_followed_to_its_end():
    into = {1: 2, 2: 3}
    assert follow_merges(1, into.get, what="speaker") == 3
    assert follow_merges(3, into.get, what="speaker") == 3


@pytest.mark.parametrize(
    ("into", "cycle"),
    [({1: 1}, "(1 -> 1)"), ({1: 2, 2: 1}, "(1 -> 2 -> 1)"), ({1: 2, 2: 3, 3: 2}, "(2 -> 3 -> 2)")],
)
def test_a_cycle_stops_the_walk_and_is_named(into, cycle):
    with pytest.raises(MergeCycle) as caught:
        follow_merges(1, into.get, what="claim")
    assert caught.value.status == 409
    assert caught.value.message.startswith(f"The claim 1 is merged in a cycle {cycle}")


def test_an_absurdly_long_chain_stops_the_walk():
    steps = []

    def into(node):  # a chain that never ends
        steps.append(node)
        return node + 1

    with pytest.raises(MergeCycle, match="more than 1,000 steps"):
        follow_merges(0, into, what="speaker", limit=1000)
    assert len(steps) == 1000
