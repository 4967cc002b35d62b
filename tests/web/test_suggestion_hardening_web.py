"""Hostile and unlucky requests on the suggestion pages (issue 10 hardening)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from tests.web.web_helpers import add_article, fresh, page_text, read, snapshot
from workbench.models import Speaker, Suggestion, SuggestionRun

TEXT = (
    '"We will open the bridge in May," Transport Minister Jane Doe said on Monday. '
    "Opposition leader John Smith said the plan would fail."
)


@pytest.mark.parametrize(("username", "linked"), [("ann", False), ("mona", True), ("root", True)])
def test_the_annotate_page_links_the_roster_for_managers_only(web, db, team, username, linked):
    project = team["project"]
    article, _ = add_article(db, project, TEXT)
    db.commit()
    web.login(username)
    body = read(web.get(f"/projects/{project.id}/articles/{article.id}/annotate"))
    roster = f'href="/projects/{project.id}/articles/{article.id}/roster"'
    assert (roster in body) == linked
    if linked:
        assert "Speaker roster" in page_text(body)
        assert web.get(f"/projects/{project.id}/articles/{article.id}/roster").status_code == 200


def test_a_second_rerun_while_one_runs_is_refused_and_starts_nothing(app, web, db, team):
    from workbench.ops.suggestions import create_suggestion_run

    project = team["project"]
    add_article(db, project, TEXT)
    running = create_suggestion_run(db, project, team["manager"])
    db.commit()
    web.login("mona")
    before = snapshot(app)
    response = web.post(f"/projects/{project.id}/suggestions/rerun", {"scope": "project"})
    body = page_text(read(response))
    assert response.status_code == 409, body
    assert f"being re-run already (run {running.id}: 0 of 1 article done)" in body
    assert snapshot(app) == before
    assert fresh(db).scalar(select(func.count()).select_from(SuggestionRun)) == 1


def test_a_rerun_after_one_was_killed_midway_runs_and_ends_fresh(web, db, team):
    from datetime import timedelta

    from workbench.ops.suggestions import create_suggestion_run

    project = team["project"]
    add_article(db, project, TEXT)
    add_article(db, project, TEXT + " The mayor agreed.", title="Second")
    fresh_rows = sorted(db.scalars(select(Suggestion.value)))
    killed = create_suggestion_run(db, project, team["manager"])
    db.commit()
    # Killed after its first batch would have begun: its heartbeat stopped long ago.
    db.execute(update(SuggestionRun).values(heartbeat_at=killed.heartbeat_at - timedelta(hours=1)))
    db.execute(update(Suggestion).values(value="stale"))
    db.commit()
    web.login("mona")
    response = web.post(f"/projects/{project.id}/suggestions/rerun", {"scope": "project"})
    assert response.status_code == 303
    assert "Done: 2 articles" in page_text(read(web.get(response.location)))
    assert sorted(fresh(db).scalars(select(Suggestion.value))) == fresh_rows


def _suggested_page(web, db, team):
    """Claim 2 of TEXT (John Smith, not in the registry) opened by ann: its page and URL."""
    from workbench.ops.claims import active_claims

    project = team["project"]
    article, _ = add_article(db, project, TEXT)
    db.commit()
    claim = active_claims(db, article)[1]
    web.login("ann")
    body = read(web.get(f"/projects/{project.id}/articles/{article.id}/annotate?claim={claim.id}"))
    return claim, body, f"/projects/{project.id}/claims/{claim.id}/annotation"


@pytest.mark.parametrize(
    "forged",
    [
        {"suggested_speaker_name": "Someone Else"},  # not the claim's suggestion
        {"suggested_speaker_name": "x" * 100_000},  # huge
        {"suggested_speaker_name": "John Smith\x00\u202e"},  # control characters
        {"suggested_via_name": "John Smith"},  # another field's suggestion
    ],
)
def test_a_forged_suggested_name_gives_the_suggestions_details_to_nothing(
    app, web, db, team, forged
):
    from tests.web.test_annotate_suggestions import accept_fields

    claim, body, url = _suggested_page(web, db, team)
    fields = accept_fields(body)
    assert fields["new_speaker_name"] == "John Smith"
    fields.update(forged, new_speaker_name="Jon Smyth", new_speaker_aliases="")
    response = web.post(url, fields)
    text = page_text(read(response))
    assert response.status_code in (302, 400, 413), text
    made = fresh(db).scalars(select(Speaker.name)).all()
    # a typed name: a plain new speaker, never the suggested one's details
    assert set(made) <= {"Jon Smyth"}
    if made:
        smyth = fresh(db).scalar(select(Speaker))
        assert (smyth.title, smyth.aliases) == ("", [])


def test_the_page_of_a_merged_speaker_says_where_it_went_and_offers_no_edit(web, db, team):
    from workbench.ops.speakers import create_speaker, merge_speakers

    project = team["project"]
    add_article(db, project, TEXT)
    gone = create_speaker(db, project, "J. Smith")
    kept = create_speaker(db, project, "John Smith")
    merge_speakers(db, gone, kept, user=team["manager"])
    db.commit()
    web.login("mona")
    response = web.get(f"/projects/{project.id}/speakers/{gone.id}")
    body = read(response)
    assert response.status_code == 200
    text = page_text(body)
    assert f"Merged into speaker {kept.id}" in text
    assert f"/speakers/{gone.id}/edit" not in body
    for bad, status in (("0", 404), ("abc", 400), ("99", 404)):
        response = web.get(f"/projects/{project.id}/speakers/{kept.id}?page={bad}")
        assert response.status_code == status, bad
        read(response)


def test_a_suggestion_with_a_huge_title_and_aliases_still_accepts_in_one_key(web, db, team):
    from tests.web.test_annotate_suggestions import accept_fields

    claim, _, url = _suggested_page(web, db, team)
    row = fresh(db).scalar(
        select(Suggestion).where(Suggestion.claim_id == claim.id, Suggestion.field == "speaker")
    )
    long_alias = "Smith " * 80  # 480 characters: more than an alias may have
    many = [f"Smith the {i}th" for i in range(200)]  # more than the form's 1,000 characters
    row.evidence = {
        **row.evidence,
        "speaker": {
            "name": "John Smith",
            "type": "person",
            "title": "Leader " * 100,
            "aliases": ["Smith", long_alias, *many],
        },
    }
    db.commit()
    project = team["project"]
    body = read(
        web.get(f"/projects/{project.id}/articles/{claim.article_id}/annotate?claim={claim.id}")
    )
    fields = accept_fields(body)
    assert len(fields["new_speaker_title"]) <= 300
    assert len(fields["new_speaker_aliases"]) <= 1000
    response = web.post(url, fields)
    assert response.status_code == 302, page_text(read(response))
    smith = fresh(db).scalar(select(Speaker).where(Speaker.name == "John Smith"))
    aliases = [a.alias for a in smith.aliases]
    assert aliases[0] == "Smith" and long_alias.strip() not in aliases
    assert all(len(a) <= 300 for a in aliases)


def test_a_suggested_via_with_an_over_long_alias_is_created_without_it(web, db, team):
    from tests.web.test_annotate_suggestions import accept_fields, suggest

    claim, _, url = _suggested_page(web, db, team)
    suggest(
        fresh(db),
        claim,
        "via",
        "Tasnim",
        speaker={"name": "Tasnim", "type": "outlet", "aliases": ["Tasnim News", "T" * 400]},
    )
    db.commit()
    project = team["project"]
    body = read(
        web.get(f"/projects/{project.id}/articles/{claim.article_id}/annotate?claim={claim.id}")
    )
    response = web.post(url, accept_fields(body))
    assert response.status_code == 302, page_text(read(response))
    tasnim = fresh(db).scalar(select(Speaker).where(Speaker.name == "Tasnim"))
    assert [a.alias for a in tasnim.aliases] == ["Tasnim News"]
