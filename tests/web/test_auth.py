"""Logging in and out: passwords, throttling, redirects, the session cookie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.conftest import PASSWORD, Web
from tests.web.web_helpers import page_text, read
from workbench.models import LoginSession, User
from workbench.ops.users import set_password


def _session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie


def test_login_with_the_right_password(web, team):
    response = web.login("ann")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"
    body = read(web.get("/"))
    assert "ann" in page_text(body)
    assert "Log out" in body


@pytest.mark.parametrize(
    ("username", "password"),
    [("ann", "wrong password"), ("nobody", PASSWORD), ("ANN", PASSWORD)],
)
def test_login_with_a_wrong_password_or_name(web, team, username, password):
    response = web.login(username, password)
    body = read(response)
    assert response.status_code == 401
    assert "Wrong username or password." in body
    response = web.get("/")
    assert response.status_code == 302
    read(response)


def test_an_inactive_user_cannot_log_in(web, db, team):
    team["annotator"].is_active = False
    db.commit()
    response = web.login("ann")
    assert response.status_code == 401
    read(response)


def test_an_empty_login_form_is_a_bad_request(web, team):
    web.refresh_token("/login")
    response = web.post("/login", {"username": "", "password": ""})
    assert response.status_code == 400
    read(response)


def test_login_is_throttled_after_the_configured_failures(make_app, db, team):
    app = make_app(LOGIN_MAX_FAILURES=3)
    web = Web(app.test_client())
    for _ in range(3):
        response = web.login("ann", "wrong password")
        assert response.status_code == 401
        read(response)
    response = web.login("ann", "wrong password")
    body = read(response)
    assert response.status_code == 429
    assert "Too many failed logins. Try again in" in body
    # Even the right password waits now...
    response = web.login("ann")
    assert response.status_code == 429
    read(response)
    # ...but another username from the same address is not locked out.
    response = web.login("mona")
    assert response.status_code == 302


def test_throttling_ends_after_the_lockout(make_app, team):
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_SECONDS=0)
    web = Web(app.test_client())
    for _ in range(3):
        read(web.login("ann", "wrong password"))
    response = web.login("ann")
    assert response.status_code == 302


def test_logout_is_post_only(web, team):
    web.login("ann")
    response = web.get("/logout")
    assert response.status_code == 405
    read(response)
    response = web.get("/")
    assert response.status_code == 200
    read(response)


def test_logout_needs_the_csrf_token(web, team):
    web.login("ann")
    response = web.post("/logout", csrf=False)
    body = read(response)
    assert response.status_code == 400
    assert "The form has expired" in body
    assert web.get("/").status_code == 200


def test_logout(web, team):
    web.login("ann")
    web.refresh_token("/")
    response = web.post("/logout")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    response = web.get("/")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert "You are logged out." in read(web.get("/login"))


def test_next_goes_back_to_the_page_asked_for(web, team):
    response = web.get(f"/projects/{team['project'].id}")
    assert response.status_code == 302
    login_url = response.location
    assert urlsplit(login_url).path == "/login"
    web.refresh_token(login_url)
    response = web.post(login_url, {"username": "ann", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == f"/projects/{team['project'].id}"


EVIL_NEXT = [
    "//evil.example",
    "//evil.example/path",
    "https://evil.example",
    "http:evil.example",
    "http:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_never_leaves_the_site(web, team, target):
    login_url = f"/login?next={quote(target, safe='')}"
    web.refresh_token("/login")
    response = web.post(login_url, {"username": "ann", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/", target
    # A user who is logged in already is sent on at once: the same rule applies.
    response = web.get(login_url)
    assert response.status_code == 302
    assert response.location == "/", target


def test_the_session_cookie_is_httponly_and_samesite(web, team):
    response = web.login("ann")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_when_configured(make_app, team):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    # Flask-WTF checks the Referer of HTTPS posts (WTF_CSRF_SSL_STRICT).
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
    page = read(client.get("/login", **https))
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"username": "ann", "password": PASSWORD, "csrf_token": token},
        **https,
    )
    assert response.status_code == 302, read(response)
    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_new_password_ends_every_other_session(app, db, team):
    laptop, phone = Web(app.test_client()), Web(app.test_client())
    assert laptop.login("ann").status_code == 302
    assert phone.login("ann").status_code == 302
    assert laptop.get("/").status_code == 200
    set_password(db, db.get(User, team["annotator"].id), "a brand new password")
    db.commit()
    for client in (laptop, phone):
        response = client.get("/")
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/login"
    assert laptop.login("ann").status_code == 401
    assert laptop.login("ann", "a brand new password").status_code == 302
    assert laptop.get("/").status_code == 200


def test_a_deactivated_user_is_logged_out(web, db, team):
    web.login("ann")
    assert web.get("/").status_code == 200
    db.get(User, team["annotator"].id).is_active = False
    db.commit()
    assert web.get("/").status_code == 302


def test_the_session_cookie_carries_only_a_random_session_id(app, db, web, team):
    web.login("ann")
    data = app.session_interface.get_signing_serializer(app).loads(
        _session_cookie(web.client).value
    )
    assert set(data) <= {"sid", "csrf_token", "_flashes"}
    token = data["sid"]
    assert len(token) >= 40
    password_hash = team["annotator"].password_hash
    assert password_hash[-16:] not in str(data)
    # The database keeps the token's digest, not the token: reading it gives no session.
    rows = db.scalars(select(LoginSession)).all()
    assert [row.user_id for row in rows] == [team["annotator"].id]
    assert rows[0].token_hash != token and token not in rows[0].token_hash
    assert rows[0].ended_at is None


@pytest.mark.real_password_hashing
def test_passwords_are_kept_as_scrypt_hashes(web, db, team):
    assert team["annotator"].password_hash.startswith("scrypt:")
    assert web.login("ann").status_code == 302


@pytest.mark.parametrize("password", [PASSWORD, "wrong password"])
def test_the_password_check_does_not_hold_the_write_lock(web, team, engine, monkeypatch, password):
    """Checking a password takes a tenth of a second on purpose; saves by everyone
    else must not wait for it (on SQLite, only one transaction at a time writes)."""
    import workbench.ops.users as users

    real_check = users.check_password_hash
    writes = []

    def check_while_another_writes(hash_, given):
        other = engine.raw_connection()
        try:
            cursor = other.cursor()
            if engine.dialect.name == "sqlite":
                cursor.execute("PRAGMA busy_timeout = 0")
                cursor.execute("BEGIN IMMEDIATE")  # "database is locked" if the login holds it
            cursor.execute("UPDATE projects SET description = 'written meanwhile'")
            cursor.execute("COMMIT")
            writes.append(True)
        finally:
            other.close()
        return real_check(hash_, given)

    monkeypatch.setattr(users, "check_password_hash", check_while_another_writes)
    response = web.login("ann", password)
    assert response.status_code == (302 if password == PASSWORD else 401)
    assert writes == [True]


def _behind_proxy(app, forwarded_for):
    """A client whose requests come through a proxy that appends the client's address."""
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Web(client)


def test_behind_trusted_proxies_throttling_counts_each_client_address(make_app, team):
    app = make_app(TRUSTED_PROXIES=1, LOGIN_MAX_FAILURES=2)
    assert isinstance(app.wsgi_app, ProxyFix)
    assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (1, 1, 1)
    guesser = _behind_proxy(app, "203.0.113.7")
    for _ in range(2):
        read(guesser.login("ann", "wrong password"))
    response = guesser.login("ann", "wrong password")
    assert response.status_code == 429
    read(response)
    # Addresses the guesser writes itself come before the proxy's: they change nothing.
    forging = _behind_proxy(app, "198.51.100.2, 203.0.113.7")
    response = forging.login("ann")
    assert response.status_code == 429
    read(response)
    # Ann, at another address behind the same proxy, is not locked out.
    ann = _behind_proxy(app, "198.51.100.2")
    response = ann.login("ann")
    assert response.status_code == 302
    read(response)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(make_app, team):
    app = make_app(LOGIN_MAX_FAILURES=2)
    assert app.config["WORKBENCH"]["TRUSTED_PROXIES"] == 0
    assert not isinstance(app.wsgi_app, ProxyFix)
    guesser = _behind_proxy(app, "203.0.113.7")
    for _ in range(2):
        read(guesser.login("ann", "wrong password"))
    # A new forged address does not escape the throttle: the connection's address counts.
    for forged in ("198.51.100.2", "192.0.2.1, 198.51.100.3"):
        response = _behind_proxy(app, forged).login("ann")
        assert response.status_code == 429, forged
        read(response)


def test_behind_an_https_proxy_forms_work_when_the_proxy_names_the_public_host(make_app, team):
    """Over HTTPS Flask-WTF wants the Referer to name this host. A proxy that passes
    the upstream address as Host but the public one as X-Forwarded-Host works; one
    that passes neither gets a page saying what to set, not "the form has expired"."""
    app = make_app(TRUSTED_PROXIES=1)

    def through_proxy(forwarded_host):
        client = app.test_client()
        client.environ_base.update(
            HTTP_X_FORWARDED_FOR="203.0.113.7",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_REFERER="https://wb.example.org/login",
        )
        if forwarded_host:
            client.environ_base["HTTP_X_FORWARDED_HOST"] = forwarded_host
        # the proxy connects to gunicorn at its upstream address
        web = Web(client)
        web.client.environ_base["HTTP_HOST"] = "127.0.0.1:8000"
        return web

    response = through_proxy("wb.example.org").login("ann")
    assert response.status_code == 302
    response = through_proxy(None).login("ann")
    body = read(response)
    assert response.status_code == 400
    assert "proxy_set_header Host $host" in body


def test_a_cookie_copied_before_logout_does_not_work_after_it(app, web, team):
    """The reproduction of issue 9, item 6: logout ends the session on the server."""
    web.login("ann")
    assert web.get("/").status_code == 200
    copied = _session_cookie(web.client).value
    web.refresh_token("/")
    assert web.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    response = thief.get("/api/session")
    assert response.status_code == 403
    assert "csrf_token" not in response.get_json()


def test_an_address_flooding_new_usernames_gets_429_before_any_hash(make_app, team, monkeypatch):
    """Issue 9, item 5: past the address's limit, no password is hashed at all."""
    import workbench.ops.users as users

    app = make_app(LOGIN_ADDRESS_MAX_FAILURES=4)
    real_check = users.check_password_hash
    hashes = []

    def counted(password_hash, password):
        hashes.append(password)
        return real_check(password_hash, password)

    monkeypatch.setattr(users, "check_password_hash", counted)
    web = Web(app.test_client())
    for i in range(4):
        response = web.login(f"nobody{i}", "guess")
        assert response.status_code == 401
        read(response)
    assert len(hashes) == 4
    for name, password in [("nobody99", "guess"), ("ann", PASSWORD)]:
        response = web.login(name, password)
        body = read(response)
        assert response.status_code == 429
        assert "Too many failed logins from your address. Try again in" in page_text(body)
        assert 1 <= int(response.headers["Retry-After"]) <= 301
    assert len(hashes) == 4


def _login_sessions(db, user):
    db.rollback()
    return db.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    ).all()


def test_changing_ones_password_ends_the_other_sessions_but_not_this_one(app, db, team):
    laptop, phone = Web(app.test_client()), Web(app.test_client())
    assert laptop.login("ann").status_code == 302
    assert phone.login("ann").status_code == 302
    laptop.refresh_token("/account/password")
    response = laptop.post(
        "/account/password",
        {"current": PASSWORD, "new": "a brand new password", "again": "a brand new password"},
    )
    assert response.status_code == 302, read(response)
    assert laptop.get("/").status_code == 200
    response = phone.get("/")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    reasons = [row.ended_reason for row in _login_sessions(db, team["annotator"])]
    assert reasons == ["", "password"]
    assert phone.login("ann", "a brand new password").status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"current": "wrong password", "new": "long enough 1", "again": "long enough 1"},
            "Your current password is wrong; nothing was changed.",
        ),
        (
            {"current": PASSWORD, "new": "long enough 1", "again": "long enough 2"},
            "The two new passwords differ.",
        ),
        (
            {"current": PASSWORD, "new": "short", "again": "short"},
            "A password has 8 to 200 characters.",
        ),
    ],
)
def test_a_refused_password_change_changes_nothing(app, db, web, team, fields, message):
    other = Web(app.test_client())
    other.login("ann")
    web.login("ann")
    web.refresh_token("/account/password")
    response = web.post("/account/password", fields)
    body = read(response)
    assert response.status_code == 400
    assert message in page_text(body)
    assert other.get("/").status_code == 200
    db.rollback()
    assert db.get(User, team["annotator"].id).password_hash == team["annotator"].password_hash


def test_an_admin_ends_every_session_of_a_user(app, db, web, team):
    laptop, phone = Web(app.test_client()), Web(app.test_client())
    laptop.login("ann")
    phone.login("ann")
    web.login("root")
    web.refresh_token("/admin/users")
    body = read(web.get("/admin/users"))
    assert "End sessions" in body
    page = page_text(read(web.get(f"/admin/users/{team['annotator'].id}/sessions")))
    assert "Open sessions of ann" in page
    assert page.count("127.0.0.1") == 2 and page.count("Werkzeug/") == 2
    response = web.post(f"/admin/users/{team['annotator'].id}/end-sessions")
    assert response.status_code == 302
    assert "Ended 2 session(s) of ann." in page_text(read(web.get("/admin/users")))
    for client in (laptop, phone):
        assert client.get("/").status_code == 302
    assert [row.ended_reason for row in _login_sessions(db, team["annotator"])] == ["admin"] * 2
    # Ann can log in again; the admin's own session was not touched.
    assert laptop.login("ann").status_code == 302
    assert web.get("/admin/users").status_code == 200


def test_an_admin_ending_their_own_sessions_keeps_the_current_one(app, web, team):
    other = Web(app.test_client())
    other.login("root")
    web.login("root")
    web.refresh_token("/admin/users")
    web.post(f"/admin/users/{team['admin'].id}/end-sessions")
    assert web.get("/admin/users").status_code == 200
    assert other.get("/admin/users").status_code == 302


def test_an_admin_deactivates_and_activates_a_user(app, db, web, team):
    ann = Web(app.test_client())
    ann.login("ann")
    web.login("root")
    web.refresh_token("/admin/users")
    response = web.post(f"/admin/users/{team['annotator'].id}/deactivate")
    assert response.status_code == 302
    assert "ann is deactivated (1 session(s) ended)" in page_text(read(web.get("/admin/users")))
    assert ann.get("/").status_code == 302
    assert ann.login("ann").status_code == 401
    assert _login_sessions(db, team["annotator"])[0].ended_reason == "deactivated"
    response = web.post(f"/admin/users/{team['annotator'].id}/activate")
    assert response.status_code == 302
    assert ann.login("ann").status_code == 302
    assert ann.get("/").status_code == 200


def test_an_admin_cannot_deactivate_themselves(db, web, team):
    web.login("root")
    web.refresh_token("/admin/users")
    web.post(f"/admin/users/{team['admin'].id}/deactivate")
    body = page_text(read(web.get("/admin/users")))
    assert "You cannot deactivate your own account. Nothing was changed." in body
    db.rollback()
    assert db.get(User, team["admin"].id).is_active


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_last_seen_is_written_at_most_once_a_minute(app, db, web, team, monkeypatch, method):
    """A GET writes it in a short transaction of its own, a POST in its own (on SQLite,
    where it holds the write lock already); within the minute, nothing is written."""
    import workbench.ops.sessions as sessions_ops

    web.login("mona")
    web.refresh_token("/")
    first = _login_sessions(db, team["manager"])[0].last_seen_at
    url = f"/projects/{team['project'].id}/members"

    def visit():
        if method == "GET":
            return web.get(url)
        return web.post(url, {"username": "stan", "role": "annotator"})

    for _ in range(2):
        assert visit().status_code in (200, 302)
    assert _login_sessions(db, team["manager"])[0].last_seen_at == first
    later = datetime.now(UTC) + timedelta(seconds=61)
    monkeypatch.setattr(sessions_ops, "_now", lambda: later)
    assert visit().status_code in (200, 302)
    assert _login_sessions(db, team["manager"])[0].last_seen_at == later


def test_writing_last_seen_never_waits_for_the_sqlite_write_lock(
    app, db, web, team, engine, monkeypatch
):
    """A read while another transaction holds SQLite's write lock (a long import, say)
    is served at once; last_seen is written by a later request instead."""
    import workbench.ops.sessions as sessions_ops

    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database")
    web.login("ann")
    first = _login_sessions(db, team["annotator"])[0].last_seen_at
    db.rollback()
    later = datetime.now(UTC) + timedelta(seconds=61)
    monkeypatch.setattr(sessions_ops, "_now", lambda: later)
    other = engine.raw_connection()
    try:
        cursor = other.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        assert web.get("/").status_code == 200
        cursor.execute("ROLLBACK")
    finally:
        other.close()
    assert _login_sessions(db, team["annotator"])[0].last_seen_at == first
    assert web.get("/").status_code == 200
    assert _login_sessions(db, team["annotator"])[0].last_seen_at == later
