"""Each view's request policy is declared on the view (web/common.py's ``public``,
``late_write`` and ``autocommit``) and read by load_user; pinned here, so that a
change of who may come without a login, or of who takes SQLite's write lock late,
is a decision and not an accident. An unmarked view gets the safe policy."""

from __future__ import annotations

from flask import jsonify

from tests.conftest import make_user
from workbench.db import WRITE_OPTION
from workbench.web import common
from workbench.web.common import autocommit, late_write, public, view_policy

PUBLIC = {"auth.login", "static"}
LATE_WRITE = {
    "api.save_annotation_api",
    "auth.login",
    "auth.change_password",
    "articles.import_paste",
    "articles.import_upload",
    # Earlier annotations: the file is read and checked before the lock is taken.
    "annotation_import.import_upload",
    # A boundary edit runs the suggester over the article before it takes the lock.
    "annotate.split_claim_view",
    "annotate.merge_claim_view",
    "annotate.merge_previous_claim_view",
    "annotate.trim_claim_view",
    # Accept-all-agree stores batch by batch, each in a short write transaction.
    "adjudication.accept_view",
}
AUTOCOMMIT = {"api.save_annotation_api"}


def test_every_view_has_the_policy_it_had(app):
    policies = {endpoint: view_policy(view) for endpoint, view in app.view_functions.items()}
    assert {e for e, p in policies.items() if "public" in p} == PUBLIC
    assert {e for e, p in policies.items() if "late_write" in p} == LATE_WRITE
    assert {e for e, p in policies.items() if "autocommit" in p} == AUTOCOMMIT
    assert set().union(*policies.values()) == {"public", "late_write", "autocommit"}


def _state():
    connection = common.db().connection()
    return jsonify(
        {
            "write": bool(connection.get_execution_options().get(WRITE_OPTION)),
            "isolation": connection.get_execution_options().get("isolation_level"),
        }
    )


def test_load_user_reads_the_marks_on_the_view(app, web, db):
    """An unmarked view needs a login and, for an unsafe method, begins a transaction
    that writes; ``late_write`` does not; ``autocommit`` runs without a transaction
    on PostgreSQL; ``public`` needs no login."""

    def plain():
        return _state()

    def late():
        return _state()

    def auto():
        return _state()

    def open_():
        return _state()

    app.add_url_rule("/probe/plain", "probe_plain", plain, methods=["GET", "POST"])
    app.add_url_rule("/probe/late", "probe_late", late_write(late), methods=["POST"])
    app.add_url_rule("/probe/auto", "probe_auto", autocommit(auto), methods=["POST"])
    app.add_url_rule("/probe/open", "probe_open", public(open_))
    assert web.get("/probe/plain").status_code == 302  # to the login page
    assert web.get("/probe/open").status_code == 200
    make_user(db, "ann")
    db.commit()
    web.login("ann")
    assert web.get("/probe/plain").get_json()["write"] is False
    assert web.post("/probe/plain").get_json()["write"] is True
    assert web.post("/probe/late").get_json()["write"] is False
    auto_state = web.post("/probe/auto").get_json()
    assert auto_state["write"] is False
    postgres = db.connection().dialect.name == "postgresql"
    assert (auto_state["isolation"] == "AUTOCOMMIT") is postgres
    assert web.post("/probe/late").get_json()["isolation"] != "AUTOCOMMIT"
