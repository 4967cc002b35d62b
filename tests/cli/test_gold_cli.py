"""`workbench gold accept-agreed | export | accuracy`."""

from __future__ import annotations

import csv
import io

import pytest

from tests.cli.test_cli import fails, ok
from tests.conftest import make_project, make_user
from tests.web.web_helpers import add_article
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.gold import settle_gold
from workbench.ops.speakers import create_speaker


@pytest.fixture
def coded(session):
    """A project whose first claim two annotators coded alike but for the attribution,
    and whose agreed speaker's name starts like a formula."""
    boss = make_user(session, "boss")
    ann, bob = make_user(session, "ann"), make_user(session, "bob")
    project = make_project(
        session, "Coded", targets=("Peace",), manager=boss, annotators=[ann, bob]
    )
    article, claims = add_article(session, project)
    speaker = create_speaker(session, project, "=HYPERLINK(evil)")
    for user, attribution in ((ann, "direct"), (bob, "indirect")):
        save_annotation(
            session,
            project,
            claims[0],
            user,
            AnnotationInput(
                speaker_id=speaker.id,
                attribution=attribution,
                stances={project.targets[0].id: "favor"},
            ),
            base_version=None,
        )
    session.commit()
    return {"project": project, "claims": claims, "article": article, "boss": boss}


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_accept_then_export_and_accuracy(cli, session, coded, tmp_path):
    out = ok(cli("gold", "accept-agreed", "--project", "Coded"))
    assert "Accepted 2 new gold labels" in out
    assert "Accepted 0 new gold labels; 0 changed to a new agreement, 2 already gold" in ok(
        cli("gold", "accept-agreed", "--project", "Coded")
    )
    project = coded["project"]
    settle_gold(
        session,
        project,
        coded["claims"][0].id,
        "attribution",
        user=coded["boss"],
        reason="annotator slip",
        reason_text="quoted",
        value="direct",
    )
    session.commit()
    target = tmp_path / "gold.csv"
    ok(cli("gold", "export", "--project", "Coded", "-o", str(target)))
    (row,) = rows(target.read_text(encoding="utf-8"))
    assert row["speaker"] == "'=HYPERLINK(evil)", "a formula is neutralised"
    assert row["stance:Peace"] == "favor" and row["stance:Peace_agreed"] == "2"
    assert row["attribution"] == "direct" and row["attribution_agreed"] == "1"
    assert (
        row["attribution_adjudicated"] == "true" and row["attribution_reason"] == "annotator slip"
    )
    assert row["attribution_reason_text"] == "quoted"
    assert row["speaker_adjudicated"] == "false" and row["adjudicated"] == "true"
    assert row["annotators"] == "2" and row["via"] == "" and row["via_adjudicated"] == ""
    assert row["claim_text"] == "Baqeri said the talks in Baghdad went well."
    raw = rows(ok(cli("gold", "export", "--project", "Coded", "--raw-formulas")))
    assert raw[0]["speaker"] == "=HYPERLINK(evil)"
    accuracy = {
        (r["annotator"], r["field"]): r
        for r in rows(ok(cli("gold", "accuracy", "--project", "Coded")))
    }
    assert accuracy[("ann", "attribution")]["accuracy"] == "1.0"
    assert accuracy[("bob", "attribution")]["accuracy"] == "0.0"
    assert accuracy[("bob", "speaker")]["correct"] == "1"
    assert list(accuracy) == [
        ("ann", "speaker"),
        ("ann", "attribution"),
        ("ann", "stance:Peace"),
        ("bob", "speaker"),
        ("bob", "attribution"),
        ("bob", "stance:Peace"),
    ]


def test_accept_for_one_article_or_field_and_bad_arguments(cli, coded):
    article = str(coded["article"].id)
    assert "Accepted 1 new gold label;" in ok(
        cli(
            "gold",
            "accept-agreed",
            "--project",
            "Coded",
            "--article",
            article,
            "--field",
            "speaker",
        )
    )
    fails(cli("gold", "accept-agreed", "--project", "Coded", "--field", "note"), "Unknown field")
    fails(
        cli("gold", "accept-agreed", "--project", "Coded", "--article", "99999"), "No such article"
    )
    fails(cli("gold", "export", "--project", "Nope"), "Nope")
    header = ok(cli("gold", "export", "--project", "Coded")).splitlines()[0]
    assert header.startswith("project,article_id,article_title,claim_id")
