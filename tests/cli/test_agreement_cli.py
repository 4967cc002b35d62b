"""``workbench agreement``: the report as tidy CSV or Markdown."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from tests.conftest import make_project, make_user
from workbench.db import make_engine, make_session_factory
from workbench.importing import parse_pasted
from workbench.models import Article
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.review.tables import COLUMNS

TEXT = (
    "Baqeri said the talks went well. Hatami called for closer ties. "
    "The ministry denied the report. Officials expect an agreement."
)
# Per claim: (ann's, bob's) attribution and verifiability.
CODING = [
    (("direct", "direct"), ("verifiable", "verifiable")),
    (("indirect", "direct"), ("opinion", "opinion")),
    (("none", "none"), ("verifiable", "opinion")),
    (("indirect", "indirect"), ("prediction", "prediction")),
]


@pytest.fixture
def study(database_url):
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            manager = make_user(session, "mona")
            ann, bob = make_user(session, "ann"), make_user(session, "bob")
            project = make_project(
                session, "Study", targets=("Cooperation",), manager=manager, annotators=[ann, bob]
            )
            report = import_items(session, project, parse_pasted(TEXT, title="Talks"), user=None)
            article = session.get(Article, report.results[0].article_id)
            for claim, (attribution, verifiability) in zip(
                active_claims(session, article), CODING, strict=True
            ):
                for user, a, v in zip((ann, bob), attribution, verifiability, strict=True):
                    values = AnnotationInput(attribution=a, verifiability=v)
                    save_annotation(session, project, claim, user, values, base_version=None)
            session.commit()
            return {"article": article.id}
    finally:
        engine.dispose()


def ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def read(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_tidy_csv(cli, study):
    output = ok(cli("agreement", "--project", "Study"))
    assert output.splitlines()[0] == ",".join(COLUMNS)
    rows = read(output)
    by = {(r["field"], r["coefficient"], r["annotator"], r["label"]): r for r in rows}
    observed = by["attribution", "observed_agreement", "", ""]
    assert (observed["value"], observed["n_items"], observed["n_values"]) == ("0.750000", "4", "8")
    alpha = by["verifiability", "krippendorff_alpha", "", ""]
    assert float(alpha["ci_low"]) <= float(alpha["value"]) <= float(alpha["ci_high"])
    assert alpha["resamples"] == "1000" and "1,000 resamples" in alpha["note"]
    assert by["attribution", "cohen_kappa", "ann", ""]["other_annotator"] == "bob"
    assert by["attribution", "specific_agreement", "", "direct"]["n_values"] == "3"
    assert by["attribution", "annotator_alpha", "bob", ""]["n_items"] == "4"
    # Fields nobody coded are there, with the reason.
    speaker = by["speaker", "krippendorff_alpha", "", ""]
    assert speaker["value"] == "" and speaker["note"] == "no item has two values to compare"
    assert {r["codebook_version"] for r in rows} == {"1"}


def test_one_field_markdown(cli, study):
    output = ok(cli("agreement", "--project", "Study", "--field", "attribution", "--format", "md"))
    assert output.startswith("# Agreement: Study")
    assert "## Attribution" in output and "## Verifiability" not in output
    assert "| observed agreement | 0.750 |" in output
    assert "| ann / bob | 4 | 0.750 |" in output


def test_article_and_versions_and_no_bootstrap(cli, study):
    rows = read(
        ok(
            cli(
                "agreement",
                "--project",
                "Study",
                "--article",
                str(study["article"]),
                "--across-versions",
                "--resamples",
                "0",
            )
        )
    )
    assert {r["article_id"] for r in rows} == {str(study["article"])}
    assert {r["codebook_version"] for r in rows} == {"all"}
    assert all(r["ci_low"] == "" for r in rows)


def test_by_article_rows(cli, study):
    rows = read(
        ok(cli("agreement", "--project", "Study", "--field", "verifiability", "--by-article"))
    )
    articles = [r for r in rows if r["article_id"]]
    assert {r["coefficient"] for r in articles} == {"observed_agreement", "krippendorff_alpha"}
    assert articles[0]["value"] == "0.750000"


def test_output_file(cli, study, tmp_path):
    target = tmp_path / "agreement.csv"
    assert ok(cli("agreement", "--project", "Study", "-o", str(target))) == ""
    assert target.read_text(encoding="utf-8").startswith("field,coefficient,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--project", "Nope"), "No project named 'Nope'"),
        (("--project", "Study", "--field", "note"), "Unknown field 'note'"),
        (("--project", "Study", "--resamples", "50"), "at least 1,000 resamples"),
        (("--project", "Study", "--article", "999999"), "No such article"),
        (("--project", "Study", "--across-versions", "--codebook-version", "1"), "not both"),
    ],
)
def test_bad_arguments(cli, study, args, message):
    result = cli("agreement", *args)
    assert result.exit_code != 0 and message in result.output


def test_entry_point_lists_the_command():
    help_text = subprocess.run(
        [sys.executable, "-m", "workbench", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "  agreement " in help_text
