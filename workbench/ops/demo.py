"""The demo project a new user sees first, built from the seed article."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.importing import ArticleDraft, parse_file
from workbench.models import Project, User
from workbench.ops.articles import ImportReport, import_items
from workbench.ops.projects import create_project, set_member
from workbench.resources import resource_dir

DEMO_NAME = "Demo: Iran-Iraq military talks"
DEMO_TARGET = "Iran-Iraq military cooperation"
DEMO_GUIDELINES = """\
Annotate every claim of the article.

- **Speaker**: who asserts the claim. For a quote or reported speech, the person or
  organisation quoted; for the outlet's own narration, the outlet (type *outlet*) or the
  author. Add people to the registry with their title ("Chief of Staff of the Iranian
  Armed Forces") and the names the article also uses ("Baqeri").
- **Via**: the source through which the claim reaches the article ("according to a report
  by Tasnim, Hatami said ..." has speaker Hatami, via Tasnim).
- **Stance**: the speaker's position toward the target.
- **Verifiability**: could evidence confirm or refute it (`verifiable`), is it a judgement
  (`opinion`), a forecast or promise (`prediction`), or nothing asserted (`not_a_claim`)?
"""


def seed_demo(session: Session, *, manager: User | None = None) -> tuple[Project, ImportReport]:
    """Create the demo project with the seed article, unless it exists; return it.

    Every ``*.txt`` in seeds/ with a ``*.json`` metadata file beside it is imported.
    """
    project = session.scalar(select(Project).where(Project.name == DEMO_NAME))
    if project is not None:
        return project, ImportReport(())
    project = create_project(
        session,
        DEMO_NAME,
        targets=[DEMO_TARGET],
        description="A real news article (Mehr News Agency, CC BY 4.0) to try the workbench on.",
        guidelines=DEMO_GUIDELINES,
        creator=manager,
    )
    items = []
    for meta_file in sorted(resource_dir("seeds").glob("*.json")):
        items.extend(_seed_items(meta_file))
    report = import_items(session, project, items, user=manager)
    if manager is not None:
        set_member(session, project, manager, "manager")
    return project, report


def _seed_items(meta_file: Path):
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    text_file = meta_file.with_name(meta["file"])
    extra = {
        key: str(meta[key])
        for key in ("license", "title_note", "notes")
        if meta.get(key) is not None
    }
    for item in parse_file(text_file.name, text_file.read_bytes()):
        if isinstance(item, ArticleDraft):
            yield ArticleDraft(
                text=item.text,
                title=meta.get("title") or item.title,
                outlet=meta.get("outlet") or "",
                published=meta.get("published_at") or "",
                language=meta.get("language") or "",
                metadata=extra,
                source=f"seeds/{text_file.name}",
            )
        else:
            yield item
