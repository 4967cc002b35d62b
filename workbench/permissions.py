"""Who may do what: actions as data, checked against the object at hand.

Each ``Action`` names the roles that hold it and what it is checked against: the
project, or an article of it (an annotator of a project that assigns work may
annotate only the articles assigned to them). ``can`` takes the user, the user's
role in the project (None for a non-member) and, for an article-level action, the
``ArticleGrant`` of the article; it runs no query, so the operation that loads the
object reads the grant with it (web.common.load_article, ops.annotations.annotation_state)
and then asks. This module is the one place that says who may do what.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from workbench.errors import NotFound, PermissionDenied

MANAGER, ANNOTATOR, ADJUDICATOR, VIEWER = "manager", "annotator", "adjudicator", "viewer"
# Every role, in the order pages list them (workbench.models.ROLES is this tuple).
ROLES = (MANAGER, ANNOTATOR, ADJUDICATOR, VIEWER)
_ALL = frozenset(ROLES)
_CODERS = frozenset({MANAGER, ANNOTATOR})
_REVIEWERS = frozenset({MANAGER, ADJUDICATOR})

PROJECT = "project"  # checked against the project alone
ARTICLE = "article"  # checked against an article (or a claim's article) too


@dataclass(frozen=True)
class Action:
    """Something a member may do in a project: the roles that may, and what it is
    checked against (``ARTICLE``: the article at hand, see ``ArticleGrant``)."""

    name: str
    description: str
    roles: frozenset[str]
    on: str = PROJECT


@dataclass(frozen=True)
class ArticleGrant:
    """What an article-level check needs to know of the article and the user asking:
    whether the project hands out work by assignment (``Project.assigned_only``) and
    whether this article is assigned to the user (ops.assignments reads both)."""

    assigned_only: bool
    assigned: bool

    @property
    def open_to_annotator(self) -> bool:
        return self.assigned or not self.assigned_only


OPEN_ARTICLE = ArticleGrant(assigned_only=False, assigned=False)

_ACTIONS = (
    Action("view-project", "See the project, its articles and codebook", _ALL),
    Action(
        "view-article",
        "Open an article's annotate page (an annotator: the articles assigned to them, "
        "once the project assigns work)",
        _ALL,
        ARTICLE,
    ),
    Action(
        "annotate-claim",
        "Save one's own annotation of a claim (an annotator: in the articles assigned "
        "to them, once the project assigns work)",
        _CODERS,
        ARTICLE,
    ),
    Action("add-speaker", "Add a speaker to the registry", _CODERS | _REVIEWERS),
    Action("import-articles", "Import articles", frozenset({MANAGER})),
    Action("suggest-articles", "Re-run the suggester over articles", frozenset({MANAGER})),
    Action("edit-claims", "Split, merge and trim claims", frozenset({MANAGER})),
    Action(
        "edit-project",
        "Change settings, targets, labels, guidelines and members",
        frozenset({MANAGER}),
    ),
    Action("manage-speakers", "Edit, merge and bulk-add speakers", frozenset({MANAGER})),
    Action(
        "export-project",
        "Export the annotations, with annotators' names and notes",
        frozenset({MANAGER}),
    ),
    Action("view-history", "See the history of one's own annotations", _CODERS | _REVIEWERS),
    Action("view-project-history", "See the history of settings and members", frozenset({MANAGER})),
    Action(
        "view-all-annotations",
        "See every annotator's annotations of a claim (annotators code blind)",
        _REVIEWERS,
    ),
    Action("assign-articles", "Assign articles to annotators", frozenset({MANAGER})),
    Action("import-annotations", "Bring earlier annotations in from CSV", frozenset({MANAGER})),
    Action(
        "view-progress",
        "See the progress dashboard: counts per annotator and article, no labels",
        _ALL - {ANNOTATOR},
    ),
    Action("view-agreement", "See and download the agreement figures", _ALL - {ANNOTATOR}),
    Action("adjudicate", "Settle disagreements into gold labels", _REVIEWERS),
    Action("export-gold", "Download gold labels and accuracy against gold", _REVIEWERS),
)
ACTIONS: dict[str, Action] = {action.name: action for action in _ACTIONS}

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
    article: ArticleGrant | None = None,
    instance: Mapping[str, str] | None = None,
) -> bool:
    """Return whether ``user``, holding ``role`` in the project at hand, may do ``action``
    (on ``article``, for an article-level action).

    Admins may do everything. ``instance`` holds the instance settings (see
    ops.instance) for actions that depend on one; without it such an action is
    for admins only. Raises KeyError for an unknown action, and TypeError for an
    article-level action asked without its article, so that a typo or a forgotten
    object in a route fails loudly instead of granting or denying silently.
    """
    found = ACTIONS.get(action)
    if found is None:
        open_to_all = GLOBAL_ACTIONS[action]
    elif found.on == ARTICLE and article is None:
        raise TypeError(f"{action!r} is checked against an article; pass article=")
    if user is None or not user.is_active:
        return False
    if user.is_admin:
        return True
    if found is None:
        if isinstance(open_to_all, str):
            return (instance or {}).get(open_to_all) == "everyone"
        return open_to_all
    if role not in found.roles:
        return False
    if found.on == ARTICLE and role == ANNOTATOR:
        return article is not None and article.open_to_annotator
    return True


def authorize(
    user: UserLike,
    action: str | None,
    role: str | None,
    *,
    article: ArticleGrant | None = None,
) -> None:
    """Raise unless ``user``, holding ``role`` in a project, may do ``action`` there
    (on ``article``, for an article-level action).

    A non-member (who is not an admin) gets NotFound, so that ids of other
    projects reveal nothing; a member without the right gets PermissionDenied,
    which says so when the article is not assigned to them. ``action`` None
    checks nothing (for callers that checked already).
    """
    if action is None:
        return
    if role is None and not user.is_admin:
        raise NotFound("No such project.")
    if not can(user, action, role, article=article):
        found = ACTIONS.get(action)
        if found is not None and found.on == ARTICLE and role in found.roles:
            raise PermissionDenied(
                "This article is not assigned to you: your articles are listed on your home page."
            )
        raise PermissionDenied("You do not have permission to do that.")
