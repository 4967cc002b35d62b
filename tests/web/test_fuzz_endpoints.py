"""No request body crashes an endpoint: every JSON endpoint of the API (found in the URL
map, so a new one is covered without touching this file) gets random JSON, with any
code point in its text (NUL and unpaired surrogates included), and random bytes; a
few forms get random fields. The answer is never a 500, and the API always answers JSON."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from flask import url_for
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import Web
from tests.web.web_helpers import API_FIELDS, add_article, add_speaker, form_values, read
from tests.web.web_helpers import json_values as web_json_values

# Every code point, NUL and surrogates (category Cs) included; those two are picked often
# on purpose, since among all code points a surrogate would come up once in a thousand.
any_char = st.characters(exclude_categories=()) | st.characters(categories=["Cs"]) | st.just("\x00")
any_text = st.text(any_char, max_size=20)
json_values = web_json_values(any_text)
api_fields = st.sampled_from(API_FIELDS)
json_bodies = json_values | st.dictionaries(api_fields | any_text, json_values, max_size=6)
# Bodies that look like a save, so that random text gets as far as the database: each is
# based on the version the last save returned (send() puts it in place of LATEST), or
# only the first would be saved and every later one refused as stale before it writes.
LATEST = "@latest-version"
save_bodies = st.fixed_dictionaries(
    {"base_version": st.just(LATEST)},
    optional={"note": any_text, "attribution": any_text, "stances": json_values},
)
FUZZ_SETTINGS = settings(max_examples=60, deadline=None)


@pytest.fixture
def member(app, db, team):
    """An annotator logged in on a fresh client, the API's CSRF token, and real ids."""
    project = team["project"]
    article, claims = add_article(db, project)
    speaker = add_speaker(db, project, "Mohammad Baqeri")
    db.commit()
    web = Web(app.test_client())
    assert web.login("ann").status_code == 302
    web.api_token = web.get("/api/session").get_json()["csrf_token"]
    web.latest = None
    ids = {
        "project_id": project.id,
        "article_id": article.id,
        "claim_id": claims[0].id,
        "speaker_id": speaker.id,
        "target_id": project.targets[0].id,
        "job_id": 99999,  # an annotator may not see imports: 403 before any lookup
    }
    return web, ids


def api_requests(app, ids) -> list[tuple[str, str]]:
    """Return (method, url) for every route under /api/, with real ids in the URL."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/api/"):
                continue
            missing = rule.arguments - set(ids)
            assert not missing, f"{rule.rule}: add an id for {missing} to the member fixture"
            url = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, url))
    assert (
        "POST",
        f"/api/projects/{ids['project_id']}/claims/{ids['claim_id']}/annotation",
    ) in found
    return found


def send(web, method, url, body: bytes):
    """Send ``body`` as JSON with the API's CSRF token; check the answer is JSON, not a 500."""
    body = body.replace(json.dumps(LATEST).encode(), json.dumps(web.latest).encode())
    response = web.client.open(
        url,
        method=method,
        data=body,
        headers={"Content-Type": "application/json", "X-CSRFToken": web.api_token},
    )
    text = response.get_data(as_text=True)
    assert response.status_code < 500, (method, url, body, text[:300])
    assert response.is_json, (method, url, body, text[:300])
    answer = response.get_json()
    assert isinstance(answer, dict)
    if response.status_code == 200 and isinstance(answer.get("annotation"), dict):
        web.latest = answer["annotation"]["version"]


def json_check(web, method, url):
    @FUZZ_SETTINGS
    @given(body=json_bodies | save_bodies, ascii_only=st.booleans())
    @example(body={"base_version": LATEST, "note": "a\x00b"}, ascii_only=True)
    @example(body={"base_version": LATEST, "note": "\ud800"}, ascii_only=True)
    @example(body={"base_version": LATEST, "note": "\udfff"}, ascii_only=False)
    def check(body, ascii_only):
        # ensure_ascii sends "\ud800" as an escape; without it, as the UTF-8 bytes a
        # careless encoder writes for a lone surrogate.
        raw = json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        send(web, method, url, raw)

    return check


JSON_PIECES = [b"{", b"}", b"[", b"]", b'"', b",", b":", b"null", b"1e999", b"\\u0000", b"\\ud800"]
junk_bodies = st.lists(st.binary(max_size=8) | st.sampled_from(JSON_PIECES), max_size=30).map(
    b"".join
)


def bytes_check(web, method, url):
    @FUZZ_SETTINGS
    @given(body=st.binary(max_size=200) | junk_bodies)
    @example(body=b'{"base_version": "@latest-version", "note": "\\ud800"}')
    @example(body=b"[" * 100_000)
    def check(body):
        send(web, method, url, body)

    return check


def test_no_json_body_crashes_an_api_endpoint(app, member):
    web, ids = member
    for method, url in api_requests(app, ids):
        json_check(web, method, url)()


def test_no_bytes_body_crashes_an_api_endpoint(app, member):
    web, ids = member
    for method, url in api_requests(app, ids):
        bytes_check(web, method, url)()


form_text = st.text(any_char, max_size=30)


@pytest.mark.parametrize("route", ["login", "project settings"])
def test_no_form_crashes_a_form_route(app, team, route):
    web = Web(app.test_client())
    if route == "login":
        url = "/login"
        fields = ["username", "password", "next"]
    else:
        web.login("mona")
        url = f"/projects/{team['project'].id}/settings"
        fields = ["name", "targets", "stance", "verifiability", "attribution", "guidelines"]

    @settings(max_examples=40, deadline=None)
    @given(data=st.dictionaries(st.sampled_from(fields) | form_text, form_text, max_size=6))
    @example(data={fields[0]: "a\x00b"})
    @example(data={fields[1]: "\ud800", "\x00": "x"})
    def check(data):
        # The form as the page gives it (a valid one, so that random values get past the
        # required fields to the database), with some fields replaced or added.
        page = read(web.get(url))
        filled = form_values(page)
        if route == "login":
            filled.update(username="nobody", password="not the password")
        filled.update(data)
        # The test client cannot encode a lone surrogate; a browser or script can send its
        # UTF-8 bytes, percent-encoded.
        body = urlencode(filled, encoding="utf-8", errors="surrogatepass")
        response = web.client.post(url, data=body, content_type="application/x-www-form-urlencoded")
        text = read(response)
        assert response.status_code < 500, (data, text[:300])

    check()
