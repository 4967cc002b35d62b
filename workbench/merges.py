"""Walking a merge chain (a speaker merged into another, a claim into the one before),
the one way every part of the workbench follows ``merged_into``.

The forms and restore never make a cycle, but a database may hold one (from a
restore before restore checked, or a hand edit): a walk then stops with MergeCycle
instead of looping, and so does an absurdly long chain. Pure: the caller says how
to take one step.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from workbench.errors import WorkbenchError

T = TypeVar("T")

# Far more steps than any registry or article gives (each step is one merge of a
# speaker or claim that was itself merged into later); reaching it means bad data.
MAX_MERGE_CHAIN = 100_000


class MergeCycle(WorkbenchError):
    """A merge chain that comes back to where it was (or never ends). Not a Conflict:
    nothing the user does again, nor a newer version, gets past it."""

    status = 409
    title = "Damaged data"

    def __init__(self, message: str, *, cycle: list[str] | None = None) -> None:
        super().__init__(message)
        self.cycle = cycle  # the nodes of the cycle as shown, the first one again last


def follow_merges(
    first: T,
    into: Callable[[T], T | None],
    *,
    what: str,
    key: Callable[[T], Hashable] = lambda node: node,
    show: Callable[[T], str] | None = None,
    limit: int = MAX_MERGE_CHAIN,
) -> T:
    """Return the end of the merge chain from ``first``: ``into(node)`` gives the node
    a node was merged into, None at the end. ``key`` identifies a node, ``show`` names
    it in the message (its key by default).

    Raises MergeCycle (409) naming the cycle when the chain comes back
    to a node, or when it is longer than ``limit`` steps.
    """
    shown = show or (lambda node: str(key(node)))
    node = first
    path = [key(node)]
    seen = {path[0]}
    names = [shown(node)]
    while (following := into(node)) is not None:
        identity = key(following)
        names.append(shown(following))
        if identity in seen:
            cycle = names[path.index(identity) :]
            raise MergeCycle(
                f"The {what} {names[0]} is merged in a cycle ({' -> '.join(cycle)}): the data "
                f"is damaged; an admin must repair the {what}'s merge in the database.",
                cycle=cycle,
            )
        path.append(identity)
        seen.add(identity)
        if len(path) > limit:
            raise MergeCycle(
                f"The {what} {names[0]} is merged in a chain of more than {limit:,} steps: "
                f"the data is damaged; an admin must repair the {what}'s merge in the database."
            )
        node = following
    return node
