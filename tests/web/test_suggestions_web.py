"""The suggestion pages: re-run on the project page, an article's roster, a speaker's page."""

from __future__ import annotations

from sqlalchemy import select, update

from tests.web.web_helpers import add_article, add_speaker, page_text, read
from workbench.models import Speaker, Suggestion, SuggestionRun

TEXT = (
    '"We will open the bridge in May," Transport Minister Jane Doe said on Monday. '
    "Opposition leader John Smith said the plan would fail."
)


def test_a_manager_reruns_the_projects_suggestions(web, db, team):
    project = team["project"]
    add_article(db, project, TEXT)
    db.commit()
    fresh = db.scalars(select(Suggestion.value).order_by(Suggestion.id)).all()
    db.execute(update(Suggestion).values(value="stale"))
    db.commit()
    web.login("mona")
    page = read(web.get(f"/projects/{project.id}"))
    assert "Re-run suggestions" in page
    response = web.post(f"/projects/{project.id}/suggestions/rerun", {"scope": "project"})
    assert response.status_code == 303
    text = page_text(read(web.get(response.location)))
    assert "Done: 1 article , " in text and "Saved annotations were not changed" in text
    db.expire_all()
    assert sorted(db.scalars(select(Suggestion.value))) == sorted(fresh)
    assert db.scalar(select(SuggestionRun.user_id)) == team["manager"].id
    # the project page links the last run, and the history says who re-ran
    assert "Last re-run: done" in page_text(read(web.get(f"/projects/{project.id}")))
    history = page_text(read(web.get(f"/projects/{project.id}/history")))
    assert "Suggestions re-run" in history and "Articles 1" in history


def test_a_stray_post_reruns_nothing_and_annotators_see_no_button(web, new_web, db, team):
    project = team["project"]
    add_article(db, project, TEXT)
    db.commit()
    web.login("mona")
    response = web.post(f"/projects/{project.id}/suggestions/rerun", {"scope": "all"})
    assert response.status_code == 302
    assert "Nothing was re-run" in page_text(read(web.get(response.location)))
    assert db.scalars(select(SuggestionRun)).all() == []
    ann = new_web()
    ann.login("ann")
    assert "Re-run suggestions" not in read(ann.get(f"/projects/{project.id}"))


def test_a_manager_adds_an_articles_roster_and_sees_where_a_speaker_was_found(web, db, team):
    project = team["project"]
    article, _ = add_article(db, project, TEXT)
    add_speaker(db, project, "J. Smith", aliases=["John Smith"])
    db.commit()
    web.login("mona")
    url = f"/projects/{project.id}/articles/{article.id}/roster"
    text = page_text(read(web.get(url)))
    assert "Jane Doe" in text and "J. Smith" in text and "Add the 1 missing" in text
    response = web.post(url, {"add": "roster"})
    assert response.status_code == 302
    text = page_text(read(web.get(response.location)))
    assert "Added 1 speaker(s) to the registry: Jane Doe." in text
    assert "Skipped J. Smith: the registry has it already" in text
    assert "Skipped the article: the article's own voice" in text
    assert "The registry has every one it can." in text
    jane = db.scalar(select(Speaker).where(Speaker.name == "Jane Doe"))
    assert jane is not None
    text = page_text(read(web.get(f"/projects/{project.id}/speakers/{jane.id}")))
    assert "Found in 1 article(s)" in text and "Talks in Baghdad" in text
    assert f'/projects/{project.id}/speakers/{jane.id}"' in read(
        web.get(f"/projects/{project.id}/speakers")
    )


def test_a_runs_page_shows_its_progress_and_an_interrupted_run(web, db, team):
    from datetime import timedelta

    from workbench.ops.suggestions import create_suggestion_run

    project = team["project"]
    add_article(db, project, TEXT)
    run = create_suggestion_run(db, project, team["manager"])
    db.commit()
    web.login("mona")
    url = f"/projects/{project.id}/suggestions/runs/{run.id}"
    body = read(web.get(url))
    assert 'http-equiv="refresh"' in body
    assert "Running: 0 of 1 article done." in page_text(body)
    db.execute(update(SuggestionRun).values(heartbeat_at=run.heartbeat_at - timedelta(hours=1)))
    db.commit()
    text = page_text(read(web.get(url)))
    assert "The re-run stopped before it finished (the server process running it ended)" in text
    assert "Re-run again to redo them all." in text
