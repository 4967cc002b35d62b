"""Text the database cannot store (NUL, unpaired surrogates) is refused with 400 before
any view runs: never a 500, nothing written, on both backends."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Web
from tests.web.web_helpers import add_article, add_speaker, page_text, read, snapshot
from workbench.text.storable import is_storable
from workbench.web.guard import FORM_MESSAGE, JSON_MESSAGE, TOO_DEEP_MESSAGE


@pytest.fixture
def arranged(db, team):
    project = team["project"]
    article, claims = add_article(db, project)
    speaker = add_speaker(db, project, "Mohammad Baqeri")
    db.commit()
    return {
        "project_id": project.id,
        "claim_id": claims[0].id,
        "speaker_id": speaker.id,
        "target_id": project.targets[0].id,
    }


def _api_url(ids):
    return f"/api/projects/{ids['project_id']}/claims/{ids['claim_id']}/annotation"


def _post_raw_json(web, url, raw, token):
    return web.client.post(
        url, data=raw, headers={"Content-Type": "application/json", "X-CSRFToken": token}
    )


def _api_token(web):
    return web.get("/api/session").get_json()["csrf_token"]


# Raw JSON text, so that a lone surrogate reaches the server as JSON sends it: "\ud800".
BAD_JSON_BODIES = [
    pytest.param(json.dumps({"base_version": None, "note": "a\x00b"}), id="note-nul"),
    pytest.param('{"base_version": null, "note": "\\ud800"}', id="note-lone-surrogate"),
    pytest.param('{"base_version": null, "note": "x\\udfff"}', id="note-low-surrogate"),
    pytest.param('{"base_version": null, "stances": {"1": "fa\\u0000vor"}}', id="nested-nul"),
    pytest.param('{"base_version": null, "stances": {"\\ud83d": "favor"}}', id="key-surrogate"),
    pytest.param('{"base_version": null, "no\\u0000te": ""}', id="key-nul"),
    pytest.param('[[[["\\udc00"]]]]', id="deep-list-surrogate"),
    pytest.param(b'{"base_version": null, "note": "\xed\xa0\x80"}', id="utf8-encoded-surrogate"),
]


@pytest.mark.parametrize("raw", BAD_JSON_BODIES)
def test_an_api_save_with_unstorable_text_is_refused_as_json(app, web, arranged, raw):
    web.login("ann")
    token = _api_token(web)
    before = snapshot(app)
    response = _post_raw_json(web, _api_url(arranged), raw, token)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json() == {"error": "Invalid input", "message": JSON_MESSAGE}
    assert snapshot(app) == before


# (who is logged in, url, form data with a NUL in one free-text field or name)
FORM_CASES = [
    pytest.param(
        None, "/login", {"username": "mo\x00na", "password": "whatever it is"}, id="login"
    ),
    pytest.param(
        "mona", "/projects/{p}/speakers", {"name": "Bad\x00Name", "type": "person"}, id="speaker"
    ),
    pytest.param("mona", "/projects/new", {"name": "N\x00", "targets": "x"}, id="new-project"),
    pytest.param(
        "mona",
        "/projects/{p}/settings",
        {"name": "Talks\x00", "targets": "Cooperation", "stance": "favor"},
        id="project-settings",
    ),
    pytest.param(
        "ann",
        "/projects/{p}/claims/{c}/annotation",
        {"base_version": "", "note": "x\x00y"},
        id="annotation-note",
    ),
    pytest.param(
        "mona",
        "/projects/{p}/members",
        {"username": "st\x00an", "role": "annotator"},
        id="member-username",
    ),
    pytest.param(
        "root",
        "/admin/users",
        {"username": "new\x00bie", "password": "long enough password"},
        id="admin-new-user",
    ),
    pytest.param(
        "mona", "/projects/{p}/speakers", {"na\x00me": "Hatami", "type": "person"}, id="field-name"
    ),
]


@pytest.mark.parametrize(("who", "url", "data"), FORM_CASES)
def test_a_form_with_unstorable_text_is_refused_with_the_error_page(
    app, web, arranged, who, url, data
):
    if who is not None:
        web.login(who)
    before = snapshot(app)
    response = web.post(url.format(p=arranged["project_id"], c=arranged["claim_id"]), data)
    body = read(response)
    assert response.status_code == 400, page_text(body)[:300]
    assert "Invalid input" in body
    assert FORM_MESSAGE in page_text(body)
    assert snapshot(app) == before


def test_a_query_string_with_unstorable_text_is_refused(app, web, arranged):
    web.login("ann")
    response = web.get(f"/projects/{arranged['project_id']}?q=a%00b")
    assert response.status_code == 400
    assert FORM_MESSAGE in page_text(read(response))
    response = web.get("/api/session?x=%00")
    assert response.status_code == 400
    assert response.get_json()["message"] == JSON_MESSAGE


def test_the_refused_save_goes_through_once_the_character_is_removed(app, web, arranged):
    web.login("ann")
    token = _api_token(web)
    url = _api_url(arranged)
    refused = _post_raw_json(web, url, json.dumps({"base_version": None, "note": "a\x00b"}), token)
    assert refused.status_code == 400
    parsed = []
    loads = app.json.loads

    def counting_loads(data, **kwargs):
        if "base_version" in str(data):  # the session cookie is JSON too
            parsed.append(1)
        return loads(data, **kwargs)

    app.json.loads = counting_loads
    body = {"base_version": None, "note": "ab é 😀 \U0010ffff", "verifiability": "opinion"}
    saved = _post_raw_json(web, url, json.dumps(body), token)
    assert saved.status_code == 200, saved.get_json()
    assert parsed == [1], "the guard and the view must share one parse of the body"
    assert saved.get_json()["annotation"]["note"] == "ab é 😀 \U0010ffff"
    # The form refused earlier goes through without its NUL.
    other = Web(app.test_client())
    other.login("mona")
    other.refresh_token(f"/projects/{arranged['project_id']}/speakers")
    refused = other.post(
        f"/projects/{arranged['project_id']}/speakers", {"name": "Bad\x00Name", "type": "person"}
    )
    assert refused.status_code == 400
    read(refused)
    response = other.post(
        f"/projects/{arranged['project_id']}/speakers", {"name": "BadName", "type": "person"}
    )
    assert response.status_code in {200, 302}
    read(response)
    assert "BadName" in page_text(read(other.get(f"/projects/{arranged['project_id']}/speakers")))


def test_malformed_and_too_deep_json_get_the_api_answer(app, web, arranged):
    web.login("ann")
    token = _api_token(web)
    url = _api_url(arranged)
    before = snapshot(app)
    malformed = _post_raw_json(web, url, '{"base_version": nul', token)
    assert malformed.status_code == 400
    assert "Send the annotation as a JSON object" in malformed.get_json()["message"]
    deep = _post_raw_json(web, url, "[" * 100_000, token)
    assert deep.status_code == 400
    assert deep.get_json() == {"error": "Invalid input", "message": TOO_DEEP_MESSAGE}
    assert snapshot(app) == before


@pytest.mark.parametrize(
    ("text", "storable"),
    [
        ("", True),
        ("plain", True),
        ("é 中 😀 \ufffd \U0010ffff", True),
        ("\x00", False),
        ("long text " * 1000 + "\x00", False),
        ("\ud800", False),
        ("é\udfff", False),
        ("\ud83d\ude00", False),  # a pair of surrogate code points is not a character either
    ],
)
def test_is_storable(text, storable):
    assert is_storable(text) is storable
