"""CSRF on every POST, security headers on every response, and user text always escaped."""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import url_for
from sqlalchemy import select

from tests.conftest import Web
from tests.web.web_helpers import add_article, add_speaker, fresh, page_text, read, snapshot
from workbench.models import Project
from workbench.ops.instance import set_instance_setting

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'
RAW_MARKUP = ("<script>alert", "<img src=x", "onerror=alert(1)>")


@pytest.fixture
def arranged(db, team):
    project = team["project"]
    article, claims = add_article(db, project)
    first = add_speaker(db, project, "Mohammad Baqeri")
    second = add_speaker(db, project, "Baqeri")
    db.commit()
    return {
        "project_id": project.id,
        "article_id": article.id,
        "claim_id": claims[0].id,
        "speaker_id": first.id,
        "claims": [c.id for c in claims],
        "speakers": (first.id, second.id),
        "target_id": project.targets[0].id,
        "user_id": team["annotator"].id,
    }


def _would_change(endpoint: str, ids: dict) -> dict:
    """Form data that would change something, if the request were accepted."""
    return {
        "auth.login": {"username": "ann", "password": "whatever it is"},
        "admin.list_users": {"username": "newbie", "password": "long enough password"},
        "projects.create_project_view": {"name": "New", "targets": "Peace"},
        "projects.edit_project": {
            "name": "Renamed",
            "targets": "Cooperation\nPeace",
            "stance": "favor\nagainst",
            "verifiability": "verifiable",
            "attribution": "direct",
        },
        "projects.edit_members": {"username": "stan", "role": "manager"},
        "projects.remove_member_view": {"username": "ann"},
        "projects.answer_invitation_view": {"invitation": "1", "answer": "accept"},
        "projects.withdraw_invitation_view": {"invitation": "1"},
        "auth.change_password": {
            "current": "correct horse battery",
            "new": "a new password",
            "again": "a new password",
        },
        "admin.edit_settings": {"project_creators": "everyone"},
        "articles.import_paste": {"text": "A new article. It has claims."},
        "articles.import_upload": {"files": [(io.BytesIO(b"Some text. More."), "a.txt")]},
        "annotate.save_annotation_view": {
            "base_version": "",
            "verifiability": "verifiable",
            f"stance_{ids['target_id']}": "favor",
        },
        "annotate.split_claim_view": {"at_text": "went well"},
        "annotate.merge_claim_view": {},
        "annotate.merge_previous_claim_view": {},
        "annotate.trim_claim_view": {"start": "0", "end": "10"},
        "speakers.list_speakers": {"name": "Hatami", "type": "person"},
        "speakers.edit_speaker": {"name": "Renamed", "type": "person"},
        "speakers.merge_speakers_view": {
            "source": str(ids["speakers"][1]),
            "target": str(ids["speakers"][0]),
        },
    }.get(endpoint, {})


def _post_routes(app):
    return sorted(
        (rule.endpoint, rule) for rule in app.url_map.iter_rules() if "POST" in rule.methods
    )


def test_every_post_needs_the_csrf_token(app, web, arranged):
    web.login("root")
    before = snapshot(app)
    checked = []
    for endpoint, rule in _post_routes(app):
        values = {arg: arranged[arg] for arg in rule.arguments}
        with app.test_request_context():
            url = url_for(endpoint, **values)
        for token in (None, "not-a-valid-token"):
            data = _would_change(endpoint, arranged)
            if token:
                data["csrf_token"] = token
            if rule.rule.startswith("/api/"):
                headers = {"Content-Type": "application/json"}
                if token:
                    headers["X-CSRFToken"] = token
                response = web.client.post(
                    url,
                    data=json.dumps({"base_version": None, "verifiability": "verifiable"}),
                    headers=headers,
                )
                assert response.status_code == 400, url
                assert response.get_json()["error"] == "The form has expired"
                continue
            response = web.post(url, data, csrf=False)
            body = read(response)
            assert response.status_code == 400, (url, page_text(body)[:300])
            assert "The form has expired" in body, url
            assert "Nothing was saved" in body
        checked.append(endpoint)
    assert snapshot(app) == before
    assert "auth.logout" in checked and "annotate.save_annotation_view" in checked
    # Logging out without the token did not log anyone out.
    assert web.get("/").status_code == 200


def test_a_token_from_another_session_is_refused(app, web, team):
    other = Web(app.test_client())
    other.login("mona")
    foreign = other.refresh_token("/")
    web.login("mona")
    pid = team["project"].id
    response = web.post(f"/projects/{pid}/import/paste", {"text": "x y z", "csrf_token": foreign})
    assert response.status_code == 400
    assert "The form has expired" in read(response)


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (part.split() for part in csp.split(";") if part.strip())
    return {part[0]: part[1:] for part in parts}


def _pages(arranged):
    pid, aid, cid = arranged["project_id"], arranged["article_id"], arranged["claim_id"]
    return [
        "/",
        f"/projects/{pid}",
        f"/projects/{pid}/settings",
        f"/projects/{pid}/members",
        f"/projects/{pid}/import",
        f"/projects/{pid}/articles/{aid}/annotate",
        f"/projects/{pid}/claims/{cid}/history",
        f"/projects/{pid}/speakers",
        f"/projects/{pid}/speakers/{arranged['speaker_id']}/edit",
        f"/projects/{pid}/export",
        "/projects/new",
        "/admin/users",
        "/admin/settings",
        f"/admin/users/{arranged['user_id']}/sessions",
        "/account/password",
    ]


def test_pages_forbid_inline_script_and_do_not_need_it(web, arranged):
    web.login("root")
    for url in [*_pages(arranged), "/projects/99999", "/no-such-page"]:
        response = web.get(url)
        body = read(response)
        assert response.status_code in (200, 404), url
        csp = _directives(response.headers["Content-Security-Policy"])
        script_src = csp.get("script-src", csp.get("default-src"))
        assert script_src == ["'self'"], (url, script_src)
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in csp.get("style-src", [])
        # What the policy forbids must not be needed: no inline script, handler or style.
        for tag, content in re.findall(r"(<script\b[^>]*>)(.*?)</script>", body, re.S):
            assert " src=" in tag and not content.strip(), (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", body), url
        assert "style=" not in body and "<style" not in body, url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_nosniff_on_every_kind_of_response(web, arranged):
    pid = arranged["project_id"]
    logged_out = web.get("/")
    assert logged_out.headers["X-Content-Type-Options"] == "nosniff"
    read(logged_out)
    web.login("mona")
    for url in (
        "/static/css/app.css",
        "/static/js/annotate.js",
        f"/projects/{pid}/export/data?format=csv",
        f"/projects/{pid}/export/data?format=jsonl",
        f"/projects/{pid}/codebook.md",
        f"/projects/{pid}/codebook.csv",
        "/api/session",
        f"/projects/{pid}/export/data?format=xlsx",
    ):
        response = web.get(url)
        read(response)
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert "Content-Security-Policy" in response.headers, url
    response = web.get("/static/js/annotate.js")
    assert response.mimetype == "text/javascript"
    read(response)


def _script_urls(body: str) -> list[str]:
    """Return the tags (real ones, not escaped text) with a javascript: or data: URL."""
    url = re.compile(r"""(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):""", re.I)
    return [tag for tag in re.findall(r"<[a-zA-Z][^>]*>", body) if url.search(tag)]


def _assert_escaped(url: str, body: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in body, f"{raw!r} unescaped on {url}"


def test_user_text_is_always_escaped(app, web, db, team):
    set_instance_setting(db, "project_creators", "everyone")
    db.commit()
    web.login("mona")
    name = f"P {XSS_SCRIPT} {XSS_ATTR}"
    response = web.post(
        "/projects/new",
        {
            "name": name,
            "description": f"About {XSS_SCRIPT} and {XSS_ATTR}",
            "targets": f"Target {XSS_SCRIPT}\nTarget {XSS_ATTR}",
            "guidelines": f"Guide {XSS_SCRIPT} {XSS_ATTR}",
        },
    )
    assert response.status_code == 302, read(response)
    project = db.scalar(select(Project).where(Project.name == name))
    pid = project.id
    # The same name again: the refusal repeats it in a message.
    response = web.post("/projects/new", {"name": name, "targets": "x"})
    _assert_escaped("/projects/new (name taken)", read(response))

    response = web.post(
        f"/projects/{pid}/import/paste",
        {
            "title": f"Title {XSS_SCRIPT} {XSS_ATTR}",
            "outlet": f"Outlet {XSS_ATTR}",
            "author": f"Author {XSS_SCRIPT}",
            "text": f"He said {XSS_SCRIPT} today. She answered {XSS_ATTR} later. It ended.",
        },
    )
    report = read(response)
    assert response.status_code == 200
    _assert_escaped("import report", report)
    article_id = int(re.search(r"/articles/(\d+)/annotate", report).group(1))

    speaker_name = f"Speaker {XSS_SCRIPT} {XSS_ATTR}"
    response = web.post(
        f"/projects/{pid}/speakers",
        {
            "name": speaker_name,
            "type": "person",
            "title": f"Role {XSS_ATTR}",
            "aliases": f"Alias {XSS_SCRIPT}",
        },
    )
    assert response.status_code == 302
    read(response)
    response = web.post(f"/projects/{pid}/speakers", {"name": speaker_name, "type": "person"})
    _assert_escaped("speakers (name taken)", read(response))

    fresh(db)
    project = db.get(Project, pid)
    claim = project.articles[0].claims[0]
    speaker = next(s for s in _speakers(db, project) if s.name == speaker_name)
    annotation_url = f"/projects/{pid}/claims/{claim.id}/annotation"
    fields = {
        "base_version": "",
        "speaker": str(speaker.id),
        "new_via_name": f"Via {XSS_SCRIPT} {XSS_ATTR}",
        "new_via_type": "organization",
        "note": f"Note {XSS_SCRIPT} {XSS_ATTR}",
    }
    response = web.post(annotation_url, fields)
    assert response.status_code == 302, read(response)
    read(response)
    # A stale save shows the newer values, the note among them.
    response = web.post(annotation_url, fields)
    conflict = read(response)
    assert response.status_code == 409
    assert "Note" in conflict
    _assert_escaped("conflict page", conflict)

    pages = [
        "/",
        f"/projects/{pid}",
        f"/projects/{pid}/settings",
        f"/projects/{pid}/members",
        f"/projects/{pid}/import",
        f"/projects/{pid}/articles/{article_id}/annotate",
        f"/projects/{pid}/articles/{article_id}/annotate?claim={claim.id}",
        f"/projects/{pid}/claims/{claim.id}/history",
        f"/projects/{pid}/speakers",
        f"/projects/{pid}/speakers/{speaker.id}/edit",
        f"/projects/{pid}/export",
    ]
    for url in pages:
        response = web.get(url)
        body = read(response)
        assert response.status_code == 200, url
        _assert_escaped(url, body)
    annotate = read(web.get(f"/projects/{pid}/articles/{article_id}/annotate?claim={claim.id}"))
    # Escaped, but there: the text is shown, not dropped.
    assert "He said &lt;script&gt;alert(1)&lt;/script&gt; today." in annotate
    history = read(web.get(f"/projects/{pid}/claims/{claim.id}/history"))
    assert "Note &lt;script&gt;" in history


def _speakers(db, project):
    from workbench.ops.speakers import registry

    return registry(db, project)


def test_a_script_url_from_an_import_is_not_a_link(web, db, team):
    web.login("mona")
    pid = team["project"].id
    line = json.dumps({"text": "A claim. Another one.", "url": "javascript:alert(1)"})
    response = web.post(
        f"/projects/{pid}/import/upload",
        {"files": [(io.BytesIO(line.encode()), "feed.jsonl")]},
    )
    report = read(response)
    assert response.status_code == 200
    article_id = int(re.search(r"/articles/(\d+)/annotate", report).group(1))
    body = read(web.get(f"/projects/{pid}/articles/{article_id}/annotate"))
    assert "javascript:alert(1)" in body  # shown as text
    assert not _script_urls(body)


MARKDOWN_GUIDELINES = f"""\
# Guide

Some **bold** advice and a [good link](https://example.org/codebook).

{XSS_SCRIPT}

<img src=x onerror=alert(1)>

<a href="javascript:alert(2)">raw link</a>

[x](javascript:alert(1)) and [y](JaVaScRiPt:alert(3)) and [z](data:text/html;base64,PHNjcmlwdD4=)

![pic](javascript:alert(4))

<javascript:alert(5)>

[ref]: javascript:alert(6)

See [ref].
"""


def test_markdown_guidelines_drop_html_and_script_links(web, db, team):
    project = team["project"]
    project.guidelines = MARKDOWN_GUIDELINES
    _, claims = add_article(db, project)
    db.commit()
    web.login("ann")
    for url in (
        f"/projects/{project.id}",
        f"/projects/{project.id}/articles/{claims[0].article_id}/annotate",
    ):
        body = read(web.get(url))
        guidelines = body.split('<details class="guidelines">', 1)[1].split("</details>", 1)[0]
        assert "<strong>bold</strong>" in guidelines
        assert re.search(r'<a href="https://example.org/codebook"[^>]*>good link</a>', guidelines)
        _assert_escaped(url, body)
        assert '<a href="javascript' not in guidelines.lower()
        assert not _script_urls(body), url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in guidelines  # shown as text


def test_a_browser_name_shown_to_admins_is_escaped(app, web, team):
    ann = Web(app.test_client())
    ann.client.environ_base["HTTP_USER_AGENT"] = f"Evil {XSS_SCRIPT} {XSS_ATTR}"
    assert ann.login("ann").status_code == 302
    web.login("root")
    url = f"/admin/users/{team['annotator'].id}/sessions"
    body = read(web.get(url))
    assert "Evil" in body
    _assert_escaped(url, body)
