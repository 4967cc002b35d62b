"""No request body crashes an endpoint: every JSON endpoint of the API (found in the URL
map, so a new one is covered without touching this file) gets random JSON, with any
code point in its text (NUL and unpaired surrogates included), and random bytes; a
few forms get random fields. The answer is never a 500, and the API always answers JSON."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from flask import url_for
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from tests.conftest import Web
from tests.web.web_helpers import (
    API_FIELDS,
    add_article,
    add_speaker,
    form_values,
    page_text,
    read,
    snapshot,
)
from tests.web.web_helpers import json_values as web_json_values
from workbench.models import ImportJob

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


# Names a route may read a number or an id from, besides those it is seen to read
# (see read_names): each is also sent on every route, all at once.
NUMBER_NAMES = [
    "claim",
    "next_claim",
    "page",
    "per_page",
    "offset",
    "limit",
    "before",
    "after",
    "around",
    "cursor",
    "speaker",
    "via",
    "article",
    "start",
    "end",
    "at",
    "version",
    "base_version",
    "claim_span",
    "source",
    "target",
    "rename-target",
    "id",
    "user",
    "job",
]
# Too large for a 32-bit column (2**31 on PostgreSQL, 10**31 beyond SQLite's 64
# bits), negative, not a number, a fraction, empty, and what int() also reads.
BAD_NUMBERS = [
    "2147483648",
    "10000000000000000000000000000000",
    "-1",
    "abc",
    "1.5",
    "",
    " 7 ",
    "\u0663",
    "9" * 5000,
    "2147483647:2147483648",
]


class _Forms(HTMLParser):
    """The forms of a page: (method, action) -> the names and values a browser would send
    (radio buttons and check boxes left out; a select's selected or first option)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[tuple[str, str], dict[str, str]] = {}
        self._form: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            key = ((attrs.get("method") or "get").upper(), attrs.get("action") or "")
            self._form = self.forms.setdefault(key, {})
        elif self._form is None:
            return
        elif tag == "input" and name and attrs.get("type") not in {"radio", "checkbox", "file"}:
            self._form.setdefault(name, attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.setdefault(name, "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select is not None:
            value = attrs.get("value") or ""
            if self._select not in self._form or "selected" in attrs:
                self._form[self._select] = value

    def handle_data(self, data):
        if self._form is not None and self._textarea is not None:
            current = self._form[self._textarea]
            if not current:
                data = data.removeprefix("\r\n").removeprefix("\n")
            self._form[self._textarea] = current + data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def page_forms(web, url) -> dict[tuple[str, str], dict[str, str]]:
    """Return the forms of the page at ``url``, a form without an action under the page's path."""
    parser = _Forms()
    parser.feed(read(web.get(url, follow_redirects=True)))
    path = url.split("?")[0]
    return {(method, action or path): fields for (method, action), fields in parser.forms.items()}


def every_route(app, ids) -> list[tuple[str, str, str]]:
    """Return (endpoint, method, url) for every route but static files and logout."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in {"static", "auth.logout"}:
                continue
            missing = rule.arguments - set(ids)
            assert not missing, f"{rule.rule}: add an id for {missing} to the manager fixture"
            url = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    return found


def read_names(app) -> set[str]:
    """Make every request of ``app`` note the names it reads from its query string and
    form (request.args and request.form, WTForms included); return the set they go to."""
    seen: set[str] = set()

    class Recording(ImmutableMultiDict):
        def __getitem__(self, key):
            seen.add(key)
            return super().__getitem__(key)

        def getlist(self, key, type=None):
            seen.add(key)
            return super().getlist(key, type)

        def __contains__(self, key):
            seen.add(key)
            return super().__contains__(key)

    class RecordingRequest(app.request_class):
        parameter_storage_class = Recording

    app.request_class = RecordingRequest
    return seen


def assert_no_500(response, what):
    for step in [*response.history, response]:
        assert step.status_code < 500, (what, step.request.url, read(step)[:500])


def test_no_number_in_a_query_string_or_form_field_crashes_a_route(app, db, team):
    """Every route, GET and POST, as a manager (and admin routes as the admin): each
    parameter the route reads from its query string or form, and each of NUMBER_NAMES,
    set to a number too large for the database, negative, not a number, a fraction or
    empty, in the query string and in the form (a POST's form otherwise as its page
    gives it, read again before each request so that it is current): never a 500,
    redirects followed."""
    project = team["project"]
    article, claims = add_article(db, project)
    speaker = add_speaker(db, project, "Mohammad Baqeri")
    add_speaker(db, project, "Hatami")
    db.commit()
    users = {}
    for username in ("mona", "root"):
        users[username] = Web(app.test_client())
        assert users[username].login(username).status_code == 302
    # An import, so that its report (which reads a position and a fate) is there.
    users["mona"].post(f"/projects/{project.id}/import/paste", {"text": "One. Two."})
    ids = {
        "project_id": project.id,
        "article_id": article.id,
        "claim_id": claims[0].id,
        "speaker_id": speaker.id,
        "target_id": project.targets[0].id,
        "job_id": db.scalar(select(ImportJob.id)),
        "user_id": team["stranger"].id,  # the admin's pages of an account: not mona's
        "ext": "csv",
    }
    routes = every_route(app, ids)
    seen = read_names(app)
    # Where each form comes from: every page, and the annotate page of the claim saved.
    form_pages: dict[tuple[str, str], tuple[str, str]] = {}
    pages = [url for _, method, url in routes if method == "GET"]
    pages.insert(0, url_for_claim(app, ids))
    for url in pages:
        for username, web in users.items():
            for key in page_forms(web, url):
                form_pages.setdefault(key, (username, url))  # the manager's first

    def send(endpoint, method, url, values: dict[str, str]):
        web = users["root" if endpoint.startswith("admin.") else "mona"]
        query = urlencode(values)
        if method == "GET":
            return web.get(f"{url}?{query}", follow_redirects=True)
        form = {}
        if (method, url) in form_pages:
            username, page = form_pages[(method, url)]
            form = page_forms(users[username], page).get((method, url), {})
        web.refresh_token("/")
        return web.post(f"{url}?{query}", {**form, **values}, follow_redirects=True)

    found = {}
    for endpoint, method, url in routes:
        seen.clear()
        response = send(endpoint, method, url, {})
        assert_no_500(response, (endpoint, method))
        found[endpoint, method] = sorted(seen - {"csrf_token"})
        for value in BAD_NUMBERS:
            values = dict.fromkeys(NUMBER_NAMES, value)
            assert_no_500(send(endpoint, method, url, values), (endpoint, method, value[:40]))
            for name in found[endpoint, method]:
                what = (endpoint, method, name, value[:40])
                assert_no_500(send(endpoint, method, url, {name: value}), what)
    # The manager was never locked out (so the requests reached the routes), and the
    # routes were seen reading what they read.
    assert users["mona"].get(f"/projects/{project.id}/settings").status_code == 200
    assert "claim" in found["annotate.annotate_article", "GET"]
    assert {"base_version", "claim_span", "next_claim"} <= set(
        found["annotate.save_annotation_view", "POST"]
    )
    assert {"at", "at_text"} <= set(found["annotate.split_claim_view", "POST"])
    assert {"after", "fate"} <= set(found["articles.show_import", "GET"])
    assert "page" in found["projects.project_history_view", "GET"]


def url_for_claim(app, ids) -> str:
    with app.test_request_context():
        return url_for(
            "annotate.annotate_article",
            project_id=ids["project_id"],
            article_id=ids["article_id"],
            claim=ids["claim_id"],
        )


@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        ("2147483648", 404, "Nothing has number 2147483648 here"),
        ("10000000000000000000000000000000", 404, "Nothing has number 10000000000000000000"),
        ("-1", 400, "must be a whole number, not '-1'"),
        ("x", 400, "must be a whole number, not 'x'"),
    ],
)
def test_a_claim_id_out_of_range_is_refused_and_a_bad_next_claim_saves_nothing(
    app, db, team, value, status, message
):
    """Issue 9: ?claim=2147483648 was a 500 on PostgreSQL, 10**31 on SQLite, and the
    annotate form's next_claim redirected there."""
    project = team["project"]
    article, claims = add_article(db, project)
    db.commit()
    web = Web(app.test_client())
    web.login("ann")
    page = f"/projects/{project.id}/articles/{article.id}/annotate"
    response = web.get(f"{page}?{urlencode({'claim': value})}")
    assert response.status_code == status
    assert message in page_text(read(response))
    form = form_values(read(web.get(page)), "annotation-form")
    before = snapshot(app)
    response = web.post(
        f"/projects/{project.id}/claims/{claims[0].id}/annotation",
        {**form, "note": "kept?", "next_claim": value},
    )
    assert response.status_code == status
    assert message in page_text(read(response))
    assert snapshot(app) == before
