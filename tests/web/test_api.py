"""The JSON API for background saves: versions, CSRF, and no crash on any JSON."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.web.web_helpers import API_FIELDS
from tests.web.web_helpers import json_values as web_json_values
from workbench.importing import parse_pasted
from workbench.ops.articles import import_items

TEXT = 'Hatami said the talks went well. "We will help," Baqeri told his guest. It rained.'


def setup_claim(db, team):
    project = team["project"]
    import_items(db, project, parse_pasted(TEXT, title="T"), user=None)
    db.commit()
    claim = project.articles[0].claims[0]
    return project, claim


def api_token(web):
    return web.get("/api/session").get_json()["csrf_token"]


def post_json(web, url, body, token):
    return web.client.post(
        url,
        data=json.dumps(body),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )


def test_save_then_stale_save_is_refused_with_the_newer_values(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    target = project.targets[0].id
    first = post_json(
        web,
        url,
        {"base_version": None, "verifiability": "verifiable", "stances": {str(target): "favor"}},
        token,
    )
    assert first.status_code == 200, first.get_json()
    version = first.get_json()["annotation"]["version"]
    second = post_json(web, url, {"base_version": version, "verifiability": "opinion"}, token)
    assert second.status_code == 200
    stale = post_json(web, url, {"base_version": version, "verifiability": "prediction"}, token)
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["current"]["verifiability"] == "opinion"
    shown = web.get(url).get_json()["annotation"]
    assert shown["verifiability"] == "opinion"
    assert shown["version"] == version + 1


def test_json_saves_need_the_csrf_token(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    response = post_json(web, url, {"base_version": None, "verifiability": "opinion"}, "bogus")
    assert response.status_code == 400
    assert web.get(url).get_json()["annotation"] is None


def test_logged_out_and_strangers_get_json_errors(web, db, team):
    project, claim = setup_claim(db, team)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    assert web.get(url).status_code == 403
    web.login("stan")
    response = web.get(url)
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not found"


def test_bad_bodies_get_clear_messages(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    cases = [
        ([1, 2], "JSON object"),
        ({"verifiability": "opinion"}, "base_version is required"),
        ({"base_version": None, "verifiability": "maybe"}, "Unknown verifiability label"),
        ({"base_version": None, "colour": "red"}, "Unknown field"),
        ({"base_version": "1"}, "base_version must be"),
        ({"base_version": None, "stances": {"abc": "favor"}}, "keyed by target id"),
        ({"base_version": None, "stances": {"999999": "favor"}}, "not in this project"),
        ({"base_version": None, "speaker_id": 999999}, "speaker registry"),
    ]
    for body, message in cases:
        response = post_json(web, url, body, token)
        assert response.status_code == 400, (body, response.get_json())
        assert message in response.get_json()["message"], (body, response.get_json())
    assert web.get(url).get_json()["annotation"] is None


json_values = web_json_values(st.text(max_size=20))
field_names = st.sampled_from([*API_FIELDS, "other"])
bodies = json_values | st.dictionaries(field_names, json_values, max_size=6)


def test_no_json_body_crashes_the_endpoint(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"

    @settings(max_examples=80, deadline=None)
    @given(body=bodies)
    def check(body):
        response = post_json(web, url, body, token)
        assert response.status_code in {200, 400, 409}, (body, response.get_data(as_text=True))
        assert response.is_json

    check()


def test_huge_numbers_are_refused_not_crashes(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    assert web.get("/projects/99999999999999999999").status_code == 404
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    response = post_json(web, url, {"base_version": None, "speaker_id": 10**20}, token)
    assert response.status_code == 400
    assert "out of range" in response.get_json()["message"]


def test_a_save_on_postgresql_is_three_statements_without_a_transaction(web, db, team, app):
    """The save's round-trip budget: the user, the annotation's state, and one
    statement that writes (see ops.annotations); no BEGIN, no COMMIT, no ping."""
    import pytest
    from sqlalchemy import event

    engine = app.extensions["workbench.engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes in a transaction that takes its write lock")
    project, claim = setup_claim(db, team)
    target = project.targets[0].id
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    body = {"base_version": None, "stances": {str(target): "favor"}}
    assert post_json(web, url, body, token).status_code == 200  # a first save (INSERT)
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0], conn.connection.dbapi_connection.autocommit))

    event.listen(engine, "before_cursor_execute", record)
    try:
        body = {"base_version": 1, "stances": {str(target): "against"}, "note": "n"}
        response = post_json(web, url, body, token)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert response.get_json()["annotation"]["version"] == 2
    assert seen == [("SELECT", True), ("SELECT", True), ("WITH", True)]
    shown = web.get(url).get_json()["annotation"]
    assert shown["stances"] == {str(target): "against"} and shown["note"] == "n"


def test_a_save_can_say_which_claim_span_it_saw(web, db, team):
    from workbench.models import Claim
    from workbench.ops.claims import split_claim

    project, claim = setup_claim(db, team)
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    seen = [claim.start, claim.end]
    for bad in ([1], [1, 2, 3], ["0", 5], [True, 5], [-1, 5], "0:5", [0, 2**64]):
        response = post_json(web, url, {"base_version": None, "claim_span": bad}, token)
        assert response.status_code == 400, bad
        assert "claim_span" in response.get_json()["message"]
    db.commit()  # end the test's read transaction: the app has written since
    split_claim(db, db.get(Claim, claim.id), claim.start + 10, user=None)
    db.commit()
    stale = post_json(web, url, {"base_version": None, "claim_span": seen}, token)
    assert stale.status_code == 409
    assert "boundaries changed" in stale.get_json()["message"]
    db.expire_all()
    now = db.get(Claim, claim.id)
    body = {"base_version": None, "claim_span": [now.start, now.end], "note": "ok"}
    fresh_save = post_json(web, url, body, token)
    assert fresh_save.status_code == 200, fresh_save.get_json()


def test_a_note_sent_with_crlf_is_stored_with_lf(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    saved = post_json(web, url, {"base_version": None, "note": "a\r\nb\rc"}, api_token(web))
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["annotation"]["note"] == "a\nb\nc"
    assert web.get(url).get_json()["annotation"]["note"] == "a\nb\nc"
