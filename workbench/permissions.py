"""Who may do what: a pure table of named actions and the roles that hold them.

``can`` takes the user and the user's role in the project (None for a
non-member); it runs no query, so routes load the object first and then ask.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from workbench.errors import NotFound, PermissionDenied

MANAGER, ANNOTATOR, ADJUDICATOR, VIEWER = "manager", "annotator", "adjudicator", "viewer"
_ALL = frozenset({MANAGER, ANNOTATOR, ADJUDICATOR, VIEWER})
_CODERS = frozenset({MANAGER, ANNOTATOR})
_REVIEWERS = frozenset({MANAGER, ADJUDICATOR})

PROJECT_ACTIONS: dict[str, frozenset[str]] = {
    "view-project": _ALL,
    # An annotator annotates the articles assigned to them once the project assigns
    # work (Project.assigned_only); a manager annotates any.
    "annotate-claim": _CODERS,
    "add-speaker": _CODERS | _REVIEWERS,
    "import-articles": frozenset({MANAGER}),
    # Re-run the suggester over a project's articles.
    "suggest-articles": frozenset({MANAGER}),
    "edit-claims": frozenset({MANAGER}),
    "edit-project": frozenset({MANAGER}),
    "manage-speakers": frozenset({MANAGER}),
    # The annotations, with annotators' names and notes.
    "export-project": frozenset({MANAGER}),
    "view-history": _CODERS | _REVIEWERS,
    # The history of the project's settings and members.
    "view-project-history": frozenset({MANAGER}),
    # Everyone's annotations of a claim (its history page): annotators code blind.
    "view-all-annotations": _REVIEWERS,
    # Review: who annotates which article, bringing earlier coding in.
    "assign-articles": frozenset({MANAGER}),
    "import-annotations": frozenset({MANAGER}),
    # Counts and coefficients, no one's labels: the viewer's part.
    "view-progress": _ALL - {ANNOTATOR},
    "view-agreement": _ALL - {ANNOTATOR},
    # Settle disagreements into gold labels; see and export gold.
    "adjudicate": _REVIEWERS,
    "export-gold": _REVIEWERS,
}

GLOBAL_ACTIONS: dict[str, bool | str] = {
    # action: whether a non-admin user may do it, or the instance setting (see
    # ops.instance) that says so with the value "everyone"
    "create-project": "project_creators",
    "manage-users": False,
    # Managers who are not admins invite instead: the invited user accepts.
    "add-members-directly": False,
}


class UserLike(Protocol):
    is_admin: bool
    is_active: bool


def can(
    user: UserLike | None,
    action: str,
    role: str | None = None,
    *,
    instance: Mapping[str, str] | None = None,
) -> bool:
    """Return whether ``user``, holding ``role`` in the project at hand, may do ``action``.

    Admins may do everything. ``instance`` holds the instance settings (see
    ops.instance) for actions that depend on one; without it such an action is
    for admins only. Raises KeyError for an unknown action, so a typo in a route
    fails loudly instead of granting or denying silently.
    """
    if action in PROJECT_ACTIONS:
        allowed = PROJECT_ACTIONS[action]
    else:
        allowed = None
        open_to_all = GLOBAL_ACTIONS[action]
    if user is None or not user.is_active:
        return False
    if user.is_admin:
        return True
    if allowed is None:
        if isinstance(open_to_all, str):
            return (instance or {}).get(open_to_all) == "everyone"
        return open_to_all
    return role in allowed


def authorize(user: UserLike, action: str | None, role: str | None) -> None:
    """Raise unless ``user``, holding ``role`` in a project, may do ``action`` there.

    A non-member (who is not an admin) gets NotFound, so that ids of other
    projects reveal nothing; a member without the right gets PermissionDenied.
    ``action`` None checks nothing (for callers that checked already).
    """
    if action is None:
        return
    if role is None and not user.is_admin:
        raise NotFound("No such project.")
    if not can(user, action, role):
        raise PermissionDenied("You do not have permission to do that.")
