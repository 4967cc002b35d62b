"""The agreement pages and their CSV: who may see them, and what they show."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import make_user
from tests.web.web_helpers import add_article, page_text, read
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.projects import set_member
from workbench.review.tables import COLUMNS

# Per claim: (mona's, ann's) verifiability.
CODING = [("verifiable", "verifiable"), ("opinion", "verifiable"), ("prediction", "prediction")]


@pytest.fixture
def coded(db, team):
    """The team's project with an article whose claims mona and ann both marked done,
    a viewer (vic) and an adjudicator (ada)."""
    project = team["project"]
    article, claims = add_article(db, project)
    for claim, values in zip(claims, CODING, strict=False):
        for user, value in zip((team["manager"], team["annotator"]), values, strict=True):
            save_annotation(
                db, project, claim, user, AnnotationInput(verifiability=value), base_version=None
            )
    set_member(db, project, make_user(db, "vic"), "viewer")
    set_member(db, project, make_user(db, "ada"), "adjudicator")
    db.commit()
    return {"project": project.id, "article": article.id}


def urls(coded):
    p, a = coded["project"], coded["article"]
    return [
        f"/projects/{p}/agreement",
        f"/projects/{p}/articles/{a}/agreement",
        f"/projects/{p}/agreement.csv",
    ]


@pytest.mark.parametrize(
    ("user", "status"),
    [("mona", 200), ("vic", 200), ("ada", 200), ("root", 200), ("ann", 403), ("stan", 404)],
)
def test_who_may_see_agreement(new_web, coded, user, status):
    web = new_web()
    web.login(user)
    for url in urls(coded):
        response = web.get(url)
        read(response)
        assert response.status_code == status, (user, url)


def test_logged_out_is_sent_to_login(new_web, coded):
    web = new_web()
    for url in urls(coded):
        response = web.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_project_page_shows_every_figure(new_web, coded):
    web = new_web()
    web.login("vic")
    text = page_text(read(web.get(f"/projects/{coded['project']}/agreement")))
    assert "Over the 3 claims that two or more annotators marked done" in text
    for words in (
        "Krippendorff's alpha (nominal)",
        "Fleiss' kappa",
        "Gwet's AC1",
        "Cohen's kappa per pair of annotators",
        "Specific agreement per label",
        "Each annotator against the others",
        "1000 bootstrap resamples",
        "Per article",
    ):
        assert words in text, words
    assert "Observed agreement 0.667" in text
    # A field nobody coded says why nothing is computed.
    assert "not computed (no item has two values to compare)" in text


def test_one_field_without_bootstrap(new_web, coded):
    web = new_web()
    web.login("mona")
    body = read(web.get(f"/projects/{coded['project']}/agreement?field=verifiability&resamples=0"))
    text = page_text(body)
    assert "Verifiability" in text and "Attribution" not in text
    assert "No bootstrap interval was asked for" in text


def test_the_article_page_shows_values_only_to_reviewers(new_web, coded):
    url = f"/projects/{coded['project']}/articles/{coded['article']}/agreement?field=verifiability"
    manager = new_web()
    manager.login("mona")
    assert "mona: opinion; ann: verifiable" in page_text(read(manager.get(url)))
    viewer = new_web()
    viewer.login("vic")
    text = page_text(read(viewer.get(url)))
    assert "Per claim (3)" in text and "mona: opinion" not in text


def test_csv_download(new_web, coded):
    web = new_web()
    web.login("vic")
    response = web.get(f"/projects/{coded['project']}/agreement.csv?by_article=1")
    body = read(response)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="talks-agreement.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == list(COLUMNS)
    observed = [
        r
        for r in rows
        if (r["field"], r["coefficient"], r["article_id"])
        == ("verifiability", "observed_agreement", "")
    ]
    assert observed[0]["value"] == "0.666667" and observed[0]["n_items"] == "3"
    assert any(r["article_id"] == str(coded["article"]) for r in rows)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("field=note", 400),
        ("resamples=50", 400),
        ("resamples=1000000", 400),
        ("version=abc", 400),
        ("page=9", 404),
    ],
)
def test_bad_queries(new_web, coded, query, status):
    web = new_web()
    web.login("mona")
    response = web.get(f"/projects/{coded['project']}/agreement?{query}")
    read(response)
    assert response.status_code == status


def test_article_of_another_project_is_not_found(new_web, coded, db, team):
    web = new_web()
    web.login("root")
    other = f"/projects/{coded['project']}/articles/999999/agreement"
    response = web.get(other)
    read(response)
    assert response.status_code == 404


def test_the_project_page_links_to_agreement(new_web, coded):
    link = f'href="/projects/{coded["project"]}/agreement"'
    viewer = new_web()
    viewer.login("vic")
    assert link in read(viewer.get(f"/projects/{coded['project']}"))
    annotator = new_web()
    annotator.login("ann")
    assert link not in read(annotator.get(f"/projects/{coded['project']}"))
