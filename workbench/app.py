"""The app factory: ``create_app`` makes the Flask app (the web interface's root).

Kept out of the package root, so that ``import workbench.text`` and the other pure
modules load no web framework; ``from workbench import create_app`` still works.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from workbench.db import make_engine, make_session_factory
from workbench.errors import SchemaOutOfDate
from workbench.importing import MAX_UPLOAD_FILES
from workbench.resources import resource_dir
from workbench.schema import schema_state
from workbench.settings import ensure_secret_key, load_settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Return a configured app.

    ``config`` overrides settings by name (see workbench/settings.py); other
    keys go to Flask's config as they are (TESTING, WTF_CSRF_ENABLED...).
    Raises SchemaOutOfDate when the database is empty or older than the code.
    """
    config = dict(config or {})
    settings = load_settings(config)
    # Named after the package, as when the factory lived in its root (logger, root path).
    app = Flask(
        "workbench",
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config["WORKBENCH"] = settings
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or ensure_secret_key(app.instance_path)
    app.config["MAX_CONTENT_LENGTH"] = int(settings["MAX_REQUEST_MB"] * 1_000_000)
    # Werkzeug caps a form's text fields at 500 kB, which would refuse a long pasted
    # article: allow as much as one imported file (never less, or uploads break).
    app.config["MAX_FORM_MEMORY_SIZE"] = max(500_000, int(settings["MAX_UPLOAD_MB"] * 1_000_000))
    # Every file is a form part, and so is the CSRF token: exactly MAX_UPLOAD_FILES fit.
    app.config["MAX_FORM_PARTS"] = MAX_UPLOAD_FILES + 1
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = settings["SESSION_COOKIE_SECURE"]
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    for key, value in config.items():
        if key not in settings:
            app.config[key] = value

    engine = make_engine(settings["DATABASE_URL"])
    state = schema_state(engine)
    if not state.is_current:
        engine.dispose()
        raise SchemaOutOfDate(
            "The database is empty; run `workbench db upgrade` (or `workbench serve`, "
            "which sets up a new database)."
            if state.is_empty
            else f"The database is at schema {state.current}, older than this workbench "
            f"({state.head}); run `workbench db upgrade` first."
        )
    # The check's connection is closed, not pooled: a server that forks its workers
    # after making the app (gunicorn) must not hand one connection to all of them.
    engine.dispose()
    app.extensions["workbench.engine"] = engine
    app.extensions["workbench.sessions"] = make_session_factory(engine)

    from workbench.web import register

    register(app)
    return app
