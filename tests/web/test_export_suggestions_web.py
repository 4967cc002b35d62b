"""The Export page's downloads carry the suggestion columns (wide, long, JSONL)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from sqlalchemy import select

from tests.ops.test_export_suggestions import set_suggestions
from tests.web.web_helpers import add_article, add_speaker, read
from workbench.exporting import CLAIM_SUGGESTION_COLUMNS, SUGGESTION_COLUMNS
from workbench.models import Annotation, User
from workbench.ops.annotations import AnnotationInput, save_annotation


@pytest.fixture
def suggested_talk(db, team):
    """ann annotated the first claim, taking the suggested speaker but not the
    verifiability; the second claim has the suggester's own suggestions; nobody
    annotated the others."""
    project = team["project"]
    article, claims = add_article(db, project)
    baqeri = add_speaker(db, project, "Mohammad Baqeri")
    set_suggestions(
        db,
        claims[0],
        speaker=("Mohammad Baqeri", 0.8, baqeri),
        speaker_type="person",
        verifiability="opinion",
    )
    annotation = save_annotation(
        db,
        project,
        claims[0],
        db.scalar(select(User).where(User.username == "ann")),
        AnnotationInput(speaker_id=baqeri.id, verifiability="verifiable"),
        base_version=None,
    )
    db.commit()
    assert db.get(Annotation, annotation.id).from_suggestion == ["speaker"]
    return {"pid": project.id, "claims": [c.id for c in claims]}


def test_the_downloads_carry_the_suggestions(web, suggested_talk):
    web.login("mona")
    base = f"/projects/{suggested_talk['pid']}/export/data"
    wide = pd.read_csv(
        io.StringIO(read(web.get(f"{base}?format=csv&all_claims=1"))),
        keep_default_na=False,
        dtype=str,
    )
    assert list(wide.columns[-len(SUGGESTION_COLUMNS) :]) == list(SUGGESTION_COLUMNS)
    first = wide.iloc[0]
    assert first["annotator"] == "ann"
    assert first["suggested_speaker"] == "Mohammad Baqeri"
    assert first["suggestion_confidence"] == "0.8"
    assert first["speaker_from_suggestion"] == "true"
    assert first["verifiability_from_suggestion"] == "false"
    assert first["via_from_suggestion"] == first["attribution_from_suggestion"] == ""
    assert (wide.iloc[1:]["speaker_from_suggestion"] == "").all()  # nobody annotated

    records = [json.loads(line) for line in read(web.get(f"{base}?format=jsonl")).splitlines()]
    assert len(records) == 1
    assert records[0]["speaker_from_suggestion"] is True
    assert records[0]["suggestion_confidence"] == 0.8

    long = pd.read_csv(
        io.StringIO(read(web.get(f"{base}?format=csv&shape=long&all_claims=1"))),
        keep_default_na=False,
        dtype=str,
    )
    mine = long[long["annotator"] == "ann"]
    assert dict(zip(mine["field"], mine["value"], strict=True))["speaker_from_suggestion"] == (
        "true"
    )
    others = long[long["annotator"] == ""]
    unannotated = len(suggested_talk["claims"]) - 1
    assert list(others["field"]) == list(CLAIM_SUGGESTION_COLUMNS) * unannotated
