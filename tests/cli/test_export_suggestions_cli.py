"""``workbench export`` carries the suggestions the import stored, in every format."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from tests.cli.test_cli import _annotate_everything, files, ok, talks  # noqa: F401 (fixtures)
from workbench.exporting import SUGGESTION_COLUMNS
from workbench.models import Annotation, Speaker, Suggestion


def test_export_carries_the_stored_suggestions(cli, session, talks, files):  # noqa: F811
    ok(cli("import", "--project", "Talks", str(files / "talks.txt")))
    claims = _annotate_everything(session)  # mona: the first claim's verifiability
    stored: dict[int, dict[str, str]] = {c.id: {} for c in claims}
    for suggestion in session.scalars(select(Suggestion)):
        value = suggestion.value
        if suggestion.speaker_id is not None and suggestion.field in ("speaker", "via"):
            value = session.get(Speaker, suggestion.speaker_id).name
        stored[suggestion.claim_id][suggestion.field] = value
    assert any(stored.values())  # the import stored the suggester's suggestions

    output = ok(cli("export", "--project", "Talks", "--all-claims"))
    rows = list(csv.DictReader(io.StringIO(output, newline="")))
    assert list(rows[0])[-len(SUGGESTION_COLUMNS) :] == list(SUGGESTION_COLUMNS)
    assert [int(r["claim_id"]) for r in rows] == [c.id for c in claims]
    for row in rows:
        mine = stored[int(row["claim_id"])]
        for name in ("speaker", "speaker_type", "via", "attribution", "verifiability"):
            assert row[f"suggested_{name}"] == mine.get(name, "")
    # mona saved verifiable and no speaker: what the save recorded, as the export says it.
    mona, first = rows[0], stored[claims[0].id]
    assert mona["annotator"] == "mona"
    taken = session.scalar(select(Annotation.from_suggestion))
    assert ("verifiability" in taken) == (first.get("verifiability") == "verifiable")
    assert mona["verifiability_from_suggestion"] == (
        "" if "verifiability" not in first else "true" if "verifiability" in taken else "false"
    )
    assert mona["speaker_from_suggestion"] == ("false" if "speaker" in first else "")

    lines = ok(cli("export", "--project", "Talks", "--format", "jsonl")).splitlines()
    record = json.loads(lines[0])
    assert record["verifiability_from_suggestion"] == {"true": True, "false": False, "": None}[
        mona["verifiability_from_suggestion"]
    ]
