"""The annotate page's state, read in one operation: the article, its claims, the
user's annotations of them, their suggestions, the speaker registry and progress.

The form view, the refused-save view and the JSON API all build the page from
``build_workspace``; none of them reads claims or annotations itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.errors import NotFound
from workbench.models import Annotation, Article, Claim, Project, Speaker, Suggestion, User
from workbench.ops.annotations import annotation_record, get_annotation
from workbench.ops.claims import active_claims
from workbench.ops.speakers import registry


@dataclass(slots=True)
class Workspace:
    """What the annotate page shows.

    ``merged_into_id`` is set (and nothing else read) when the claim asked for was
    merged into another one of the article: the caller sends the user there.
    """

    project: Project
    article: Article
    claims: list[Claim] = field(default_factory=list)
    mine: dict[int, Annotation] = field(default_factory=dict)
    suggestions: dict[int, dict[str, Suggestion]] = field(default_factory=dict)
    selected: Claim | None = None
    annotation: Annotation | None = None
    next_open: Claim | None = None
    speakers: list[Speaker] = field(default_factory=list)
    total: int = 0
    done: int = 0
    merged_into_id: int | None = None

    def as_record(self) -> dict[str, Any]:
        """Return the workspace as plain JSON-ready values (for the API)."""
        selected = self.selected
        return {
            "article_id": self.article.id,
            "progress": {"done": self.done, "total": self.total},
            "next_unannotated": self.next_open.id if self.next_open else None,
            "claims": [
                {
                    "id": c.id,
                    "position": c.position,
                    "start": c.start,
                    "end": c.end,
                    "annotated": c.id in self.mine,
                    "span_changed": c.id in self.mine and self.mine[c.id].span_changed,
                    "suggestions": {
                        name: s.value for name, s in self.suggestions.get(c.id, {}).items()
                    },
                }
                for c in self.claims
            ],
            "selected": None
            if selected is None
            else {
                "id": selected.id,
                "position": selected.position,
                "start": selected.start,
                "end": selected.end,
                "text": selected.text,
                "annotation": annotation_record(self.annotation) if self.annotation else None,
            },
            "speakers": [{"id": s.id, "name": s.name, "type": s.type} for s in self.speakers],
        }


def build_workspace(
    session: Session,
    project: Project,
    article_id: int,
    user: User,
    *,
    claim_id: int | None = None,
) -> Workspace:
    """Return the annotate page of an article of ``project`` for ``user``.

    The claim ``claim_id`` is selected, or else the first claim the user has not
    annotated, or else the first claim. Raises NotFound for an article of another
    project, or a claim that is not one of the article's (a claim merged into
    another of the article gives a workspace with only ``merged_into_id`` set).
    """
    article = session.get(Article, article_id)
    if article is None or article.project_id != project.id:
        raise NotFound("No such article in this project.")
    ws = Workspace(project=project, article=article)
    claims = active_claims(session, article)
    selected = None
    if claim_id is not None:
        selected = next((c for c in claims if c.id == claim_id), None)
        if selected is None:
            merged = session.get(Claim, claim_id)
            if merged is not None and merged.merged_into_id and merged.article_id == article.id:
                ws.merged_into_id = merged.merged_into_id
                return ws
            raise NotFound("No such claim in this article.")
    mine = _mine(session, user, claims)
    if selected is None:
        selected = next((c for c in claims if c.id not in mine), claims[0] if claims else None)
    ws.claims, ws.mine, ws.selected = claims, mine, selected
    ws.suggestions = _suggestions(session, claims)
    ws.total, ws.done = len(claims), sum(1 for c in claims if c.id in mine)
    ws.next_open = _next_unannotated(claims, mine, selected)
    ws.speakers = registry(session, project)
    if selected is not None:
        ws.annotation = get_annotation(session, selected, user)
    return ws


def _mine(session: Session, user: User, claims) -> dict[int, Annotation]:
    """The user's annotations of these claims, by claim id."""
    return {
        a.claim_id: a
        for a in session.scalars(
            select(Annotation).where(
                Annotation.user_id == user.id,
                Annotation.claim_id.in_([c.id for c in claims]),
            )
        )
    }


def _suggestions(session: Session, claims) -> dict[int, dict[str, Suggestion]]:
    """Per claim, its suggestions by field (a claim has at most one per field)."""
    found: dict[int, dict[str, Suggestion]] = {}
    for suggestion in session.scalars(
        select(Suggestion).where(Suggestion.claim_id.in_([c.id for c in claims]))
    ):
        found.setdefault(suggestion.claim_id, {})[suggestion.field] = suggestion
    return found


def _next_unannotated(claims, mine, selected):
    if not claims:
        return None
    start = claims.index(selected) + 1 if selected in claims else 0
    for claim in claims[start:] + claims[:start]:
        if claim.id not in mine and claim is not selected:
            return claim
    return None
