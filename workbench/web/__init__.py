"""The web interface: blueprints, error pages, security headers, per-request sessions."""

from __future__ import annotations

import sqlite3

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from workbench.db import MAX_INT, is_lock_timeout
from workbench.errors import WorkbenchError
from workbench.importing import MAX_UPLOAD_FILES
from workbench.web import (
    admin,
    annotate,
    api,
    articles,
    assignments,
    auth,
    exports,
    progress,
    projects,
    speakers,
)
from workbench.web.adjudication import bp as adjudication_bp
from workbench.web.agreement import bp as agreement_bp
from workbench.web.annotation_import import bp as annotation_import_bp
from workbench.web.api_speakers import bp as api_speakers_bp
from workbench.web.common import close_db, load_user, public, wants_json
from workbench.web.guard import refuse_unstorable_text
from workbench.web.uploads import UploadRequest
from workbench.words import counted

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class DatabaseInt(IntegerConverter):
    """An ``int`` URL part that fits a database id (a larger one is a 404)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app: Flask) -> None:
    """Attach blueprints, CSRF protection, error handlers and hooks to ``app``; behind
    WORKBENCH_TRUSTED_PROXIES proxies, take the client's address and scheme from them."""
    proxies = app.config["WORKBENCH"]["TRUSTED_PROXIES"]
    if proxies:
        # The address login throttling counts by, the scheme and the host come from
        # that many X-Forwarded-For / -Proto / -Host entries, counted from the right;
        # any the client added itself lie further left and are never read. The host
        # matters: over HTTPS the CSRF check wants the Referer to name this host, and
        # a proxy that passes its upstream address as Host would fail every form.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.url_map.converters["int"] = DatabaseInt
    app.request_class = UploadRequest
    CSRFProtect(app)
    # After the CSRF check, before load_user opens a transaction: a refused request
    # never touches the database.
    app.before_request(refuse_unstorable_text)
    for blueprint in (
        auth.bp,
        projects.bp,
        articles.bp,
        annotation_import_bp,
        annotate.bp,
        speakers.bp,
        exports.bp,
        admin.bp,
        assignments.bp,
        progress.bp,
        api.bp,
        api_speakers_bp,
        agreement_bp,
        adjudication_bp,
    ):
        app.register_blueprint(blueprint)
    # Flask's own view of the static files needs no login.
    public(app.view_functions["static"])
    app.before_request(load_user)
    app.teardown_appcontext(close_db)
    app.after_request(_security_headers)
    app.register_error_handler(WorkbenchError, _workbench_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    # SQLAlchemy wraps the driver's error, except when BEGIN IMMEDIATE fails (db.py).
    app.register_error_handler(OperationalError, _database_busy)
    app.register_error_handler(sqlite3.OperationalError, _database_busy)
    app.jinja_env.globals["current_user"] = lambda: g.get("user")
    from workbench.web.markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["counted"] = counted


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _error_page(status: int, title: str, message: str, extra: dict | None = None):
    if wants_json():
        return jsonify({"error": title, "message": message, **(extra or {})}), status
    page = render_template(
        "error.html", title=title, message=message, status=status, **(extra or {})
    )
    return page, status


def _workbench_error(error: WorkbenchError):
    extra = {"current": error.current} if getattr(error, "current", None) is not None else None
    return _error_page(error.status, error.title, error.message, extra)


def _csrf_error(error: CSRFError):
    if "referrer" in (error.description or "").lower():
        # Over HTTPS, Flask-WTF also wants the Referer to name this site.
        return _error_page(
            400,
            "The request did not come from this site",
            "Over HTTPS a form must be sent from a page of this site, and the browser must "
            f"say so (its Referer header): {error.description} Nothing was saved. If the "
            "workbench runs behind a reverse proxy, the proxy must pass the public host "
            "name (nginx: proxy_set_header Host $host, or X-Forwarded-Host with "
            "WORKBENCH_TRUSTED_PROXIES set).",
        )
    return _error_page(
        400,
        "The form has expired",
        "The form was missing its security token or it was stale (for example after "
        "logging in again in another tab). Nothing was saved; go back, reload the page "
        "and submit again.",
    )


def _too_large(error: RequestEntityTooLarge):
    from flask import current_app

    limit = current_app.config["WORKBENCH"]["MAX_REQUEST_MB"]
    max_bytes = current_app.config.get("MAX_CONTENT_LENGTH")
    if max_bytes is not None and (request.content_length or 0) > max_bytes:
        message = (
            f"The request is over the {limit:g} MB limit for one upload; "
            "nothing was imported. Send fewer or smaller files at a time."
        )
    else:
        text_mb = (current_app.config.get("MAX_FORM_MEMORY_SIZE") or 0) / 1_000_000
        message = (
            f"The form is too large: a pasted text may have at most {text_mb:g} MB, and one "
            f"upload at most {counted(MAX_UPLOAD_FILES, 'file')}; nothing was imported."
        )
    return _error_page(413, "Upload too large", message)


# How long a client is told to wait before it tries a write again, in seconds.
RETRY_AFTER = 5


def _database_busy(error: Exception):
    """SQLite's busy timeout ran out (another connection held the write lock all
    along): 503 with Retry-After, the request's transaction rolled back. Any other
    database error stays a server error."""
    if not is_lock_timeout(error):
        raise error
    if "db" in g:
        g.db.rollback()
    body, status = _error_page(
        503,
        "The database is busy",
        "Another change was being written for too long, so this one could not be; "
        f"nothing was saved. Try again in {RETRY_AFTER} seconds (for a form: go back "
        "and submit it again).",
    )
    response = make_response(body, status)
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _http_error(error: HTTPException):
    return _error_page(error.code or 500, error.name, error.description or "")
