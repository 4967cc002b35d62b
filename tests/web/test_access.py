"""Access control as a table: every route and method, as each role -> the expected status.

The table is checked against ``app.url_map``: a new route without an entry fails
here until someone decides who may use it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import url_for

from tests.conftest import Web, make_project, make_user
from tests.web.web_helpers import (
    add_article,
    add_speaker,
    form_values,
    page_text,
    read,
    snapshot,
)
from workbench.ops.assignments import assign
from workbench.ops.invitations import invite_member
from workbench.ops.projects import set_member

# "unassigned": an annotator of the project (which assigns work) whose articles do not
# include the one the table requests; "annotator" has it assigned.
ROLES = ("anon", "stranger", "annotator", "manager", "admin", "adjudicator", "viewer", "unassigned")
USERNAMES = {
    "stranger": "stan",
    "annotator": "ann",
    "manager": "mona",
    "admin": "root",
    "adjudicator": "adele",
    "viewer": "vic",
    "unassigned": "una",
}

# Statuses per role, in the order of ROLES. POSTs carry a valid CSRF token and the
# data in POST_DATA (chosen so that no request changes what later ones see): an
# allowed request then fails validation (400: a form page shows the form again with
# its errors) or conflicts (409).
# Logged out, a page redirects to /login; the JSON API (/api/) answers 403.
EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    # endpoint, method:                          anon strngr annot manag admin adjud viewr unasg
    ("static", "GET"):                            (200, 200, 200, 200, 200, 200, 200, 200),
    ("auth.login", "GET"):                        (200, 302, 302, 302, 302, 302, 302, 302),
    ("auth.login", "POST"):                       (400, 302, 302, 302, 302, 302, 302, 302),
    ("auth.logout", "POST"):                      (302, 302, 302, 302, 302, 302, 302, 302),
    ("auth.change_password", "GET"):              (302, 200, 200, 200, 200, 200, 200, 200),
    ("auth.change_password", "POST"):             (302, 400, 400, 400, 400, 400, 400, 400),
    ("projects.list_projects", "GET"):            (302, 200, 200, 200, 200, 200, 200, 200),
    # Who may create projects is an admin's setting: admins only by default.
    ("projects.create_project_view", "GET"):      (302, 403, 403, 403, 200, 403, 403, 403),
    ("projects.create_project_view", "POST"):     (302, 403, 403, 403, 400, 403, 403, 403),
    # An empty form: nothing to answer (the invitation of ann is left as it is).
    ("projects.answer_invitation_view", "POST"):  (302, 302, 302, 302, 302, 302, 302, 302),
    ("admin.list_users", "GET"):                  (302, 403, 403, 403, 200, 403, 403, 403),
    ("admin.list_users", "POST"):                 (302, 403, 403, 403, 400, 403, 403, 403),
    # On the admin's own account: their only session is the current one, which stays;
    # deactivating oneself is refused; activating an active account changes nothing.
    ("admin.show_user_sessions", "GET"):          (302, 403, 403, 403, 200, 403, 403, 403),
    ("admin.end_sessions_view", "POST"):          (302, 403, 403, 403, 302, 403, 403, 403),
    ("admin.deactivate_user_view", "POST"):       (302, 403, 403, 403, 302, 403, 403, 403),
    ("admin.activate_user_view", "POST"):         (302, 403, 403, 403, 302, 403, 403, 403),
    ("admin.edit_settings", "GET"):               (302, 403, 403, 403, 200, 403, 403, 403),
    ("admin.edit_settings", "POST"):              (302, 403, 403, 403, 400, 403, 403, 403),
    ("projects.show_project", "GET"):             (302, 404, 200, 200, 200, 200, 200, 200),
    ("projects.edit_project", "GET"):             (302, 404, 403, 200, 200, 403, 403, 403),
    ("projects.edit_project", "POST"):            (302, 404, 403, 400, 400, 403, 403, 403),
    ("projects.edit_members", "GET"):             (302, 404, 403, 200, 200, 403, 403, 403),
    ("projects.edit_members", "POST"):            (302, 404, 403, 400, 400, 403, 403, 403),
    ("projects.remove_member_view", "POST"):      (302, 404, 403, 302, 302, 403, 403, 403),
    ("projects.withdraw_invitation_view", "POST"): (302, 404, 403, 302, 302, 403, 403, 403),
    ("projects.rename_target_view", "POST"):      (302, 404, 403, 302, 302, 403, 403, 403),
    ("projects.project_history_view", "GET"):     (302, 404, 403, 200, 200, 403, 403, 403),
    # An empty form re-runs nothing: back to the project page.
    ("projects.rerun_suggestions", "POST"):       (302, 404, 403, 302, 302, 403, 403, 403),
    ("projects.show_suggestion_run", "GET"):      (302, 404, 403, 404, 404, 403, 403, 403),
    ("articles.import_form", "GET"):              (302, 404, 403, 200, 200, 403, 403, 403),
    ("articles.import_paste", "POST"):            (302, 404, 403, 400, 400, 403, 403, 403),
    ("articles.import_upload", "POST"):           (302, 404, 403, 400, 400, 403, 403, 403),
    ("articles.show_article", "GET"):             (302, 404, 302, 302, 302, 302, 302, 302),
    ("articles.show_import", "GET"):              (302, 404, 403, 404, 404, 403, 403, 403),
    ("articles.show_roster", "GET"):              (302, 404, 403, 200, 200, 403, 403, 403),
    # An empty form adds nothing: back to the roster page.
    ("articles.add_roster_view", "POST"):         (302, 404, 403, 302, 302, 403, 403, 403),
    ("articles.import_progress", "GET"):          (403, 404, 403, 404, 404, 403, 403, 403),
    # An upload without a file is refused with the form (400); an empty activation
    # form, back to the members page.
    ("annotation_import.import_form", "GET"):     (302, 404, 403, 200, 200, 403, 403, 403),
    ("annotation_import.import_upload", "POST"):  (302, 404, 403, 400, 400, 403, 403, 403),
    ("projects.activate_member_view", "POST"):    (302, 404, 403, 302, 302, 403, 403, 403),
    ("annotate.annotate_article", "GET"):         (302, 404, 200, 200, 200, 200, 200, 403),
    ("annotate.save_annotation_view", "POST"):    (302, 404, 409, 409, 409, 403, 403, 403),
    ("annotate.claim_history_view", "GET"):       (302, 404, 200, 200, 200, 200, 403, 200),
    ("annotate.claims_after", "GET"):             (302, 404, 200, 200, 200, 200, 200, 403),
    ("annotate.claims_before", "GET"):            (302, 404, 200, 200, 200, 200, 200, 403),
    ("annotate.claim_panel", "GET"):              (302, 404, 200, 200, 200, 200, 200, 403),
    ("annotate.split_claim_view", "POST"):        (302, 404, 403, 400, 400, 403, 403, 403),
    ("annotate.merge_claim_view", "POST"):        (302, 404, 403, 400, 400, 403, 403, 403),
    ("annotate.merge_previous_claim_view", "POST"): (302, 404, 403, 400, 400, 403, 403, 403),
    ("annotate.trim_claim_view", "POST"):         (302, 404, 403, 400, 400, 403, 403, 403),
    ("speakers.list_speakers", "GET"):            (302, 404, 200, 200, 200, 200, 200, 200),
    ("speakers.list_speakers", "POST"):           (302, 404, 400, 400, 400, 400, 403, 400),
    ("speakers.show_speaker", "GET"):             (302, 404, 200, 200, 200, 200, 200, 200),
    ("speakers.edit_speaker", "GET"):             (302, 404, 403, 200, 200, 403, 403, 403),
    ("speakers.edit_speaker", "POST"):            (302, 404, 403, 400, 400, 403, 403, 403),
    ("speakers.merge_speakers_view", "POST"):     (302, 404, 403, 302, 302, 403, 403, 403),
    ("assignments.show_assignments", "GET"):     (302, 404, 403, 200, 200, 403, 403, 403),
    ("assignments.auto_assign_view", "POST"):    (302, 404, 403, 400, 400, 403, 403, 403),
    ("assignments.manual_assign_view", "POST"):  (302, 404, 403, 400, 400, 403, 403, 403),
    ("assignments.hand_over_view", "POST"):      (302, 404, 403, 400, 400, 403, 403, 403),
    ("assignments.unassign_view", "POST"):       (302, 404, 403, 302, 302, 403, 403, 403),
    ("assignments.modes_view", "POST"):          (302, 404, 403, 302, 302, 403, 403, 403),
    ("progress.show_progress", "GET"):           (302, 404, 403, 200, 200, 200, 200, 403),
    ("exports.export_page", "GET"):               (302, 404, 403, 200, 200, 403, 403, 403),
    ("exports.download_data", "GET"):             (302, 404, 403, 200, 200, 403, 403, 403),
    ("exports.download_codebook", "GET"):         (302, 404, 200, 200, 200, 200, 200, 200),
    ("agreement.show_agreement", "GET"):          (302, 404, 403, 200, 200, 200, 200, 403),
    ("agreement.show_article_agreement", "GET"):  (302, 404, 403, 200, 200, 200, 200, 403),
    ("agreement.download_agreement", "GET"):      (302, 404, 403, 200, 200, 200, 200, 403),
    # The JSON API answers 403 instead of redirecting to the login page.
    ("api.show_session", "GET"):                  (403, 200, 200, 200, 200, 200, 200, 200),
    ("api.show_annotation", "GET"):               (403, 404, 200, 200, 200, 200, 200, 403),
    ("api.show_workspace", "GET"):                (403, 404, 200, 200, 200, 200, 200, 403),
    ("api.save_annotation_api", "POST"):          (403, 404, 400, 400, 400, 403, 403, 403),
    ("api_speakers.search_speakers_api", "GET"):  (403, 404, 200, 200, 200, 200, 200, 200),
    ("api_speakers.create_speaker_api", "POST"):  (403, 404, 400, 400, 400, 400, 403, 400),
    # Adjudication (managers and adjudicators): an empty settle form names no field
    # (400), an empty accept form accepts nothing (back to the list).
    ("adjudication.list_view", "GET"):            (302, 404, 403, 200, 200, 200, 403, 403),
    ("adjudication.claim_view", "GET"):           (302, 404, 403, 200, 200, 200, 403, 403),
    ("adjudication.settle_view", "POST"):         (302, 404, 403, 400, 400, 400, 403, 403),
    ("adjudication.accept_view", "POST"):         (302, 404, 403, 303, 303, 303, 403, 403),
    ("adjudication.download_gold", "GET"):        (302, 404, 403, 200, 200, 200, 403, 403),
    ("adjudication.download_accuracy", "GET"):    (302, 404, 403, 200, 200, 200, 403, 403),
}  # fmt: skip

# A version that never exists: the save is refused as stale (409), nothing is written.
POST_DATA = {"annotate.save_annotation_view": {"base_version": "999"}}

OBJECT_ARGUMENTS = ("article_id", "claim_id", "speaker_id")


def _routes(app) -> list[tuple[str, str, object]]:
    """Every (endpoint, method, rule) of the app; logout last, since it ends the session."""
    routes = [
        (rule.endpoint, method, rule)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    return sorted(routes, key=lambda r: (r[0] == "auth.logout", r[0], r[1]))


@pytest.fixture
def world(db, team):
    """Project A ("Talks") and B, each with an article, claims and a speaker.

    mona manages both (so object checks, not membership, must refuse B's ids
    under A's id and the other way round); ann is an annotator of A only, with A's
    article assigned to her; adele adjudicates A, vic views it, and una annotates it
    without that article.
    """
    project_a = team["project"]
    # One claim: a merge with the next or the previous is refused (there is none).
    _, claims_a = add_article(db, project_a, "Baqeri said the talks in Baghdad went well.")
    speaker_a = add_speaker(db, project_a)
    bea = make_user(db, "bea")
    project_b = make_project(db, "Other", targets=("Sanctions",), manager=bea)
    set_member(db, project_b, team["manager"], "manager")
    article_b, claims_b = add_article(db, project_b, "Another text. It has two sentences.")
    speaker_b = add_speaker(db, project_b, "Someone Else")
    invite_member(db, project_a, "stan", "annotator", by=team["manager"])
    for name, role in (("adele", "adjudicator"), ("vic", "viewer"), ("una", "annotator")):
        set_member(db, project_a, make_user(db, name), role)
    # A hands out work: ann has the article, una has none.
    assign(db, project_a, [claims_a[-1].article_id], ["ann"], by=team["manager"])
    db.commit()
    return {
        "a": {
            "user_id": team["admin"].id,
            "project_id": project_a.id,
            "article_id": claims_a[-1].article_id,
            # The only claim: a merge is refused, so the table changes nothing.
            "claim_id": claims_a[-1].id,
            "speaker_id": speaker_a.id,
        },
        "b": {
            "user_id": team["admin"].id,
            "project_id": project_b.id,
            "article_id": article_b.id,
            "claim_id": claims_b[-1].id,
            "speaker_id": speaker_b.id,
        },
    }


def _values(rule, ids: dict) -> dict:
    fixed = {"ext": "md", "filename": "css/app.css", "job_id": 99999}
    return {arg: ids.get(arg, fixed.get(arg)) for arg in rule.arguments}


def _url(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def _client(app, role: str) -> Web:
    web = Web(app.test_client())
    if role == "anon":
        web.refresh_token("/login")
    else:
        response = web.login(USERNAMES[role])
        assert response.status_code == 302, read(response)
        web.refresh_token("/")
    return web


def _request(web: Web, method: str, url: str, endpoint: str):
    if method == "GET":
        response = web.get(url)
    else:
        response = web.post(url, POST_DATA.get(endpoint, {}))
    body = read(response)
    return response, body


def test_every_route_has_an_entry(app):
    routes = {(endpoint, method) for endpoint, method, _ in _routes(app)}
    missing = sorted(routes - EXPECTED.keys())
    assert not missing, f"routes without an access entry (add them to EXPECTED): {missing}"
    stale = sorted(EXPECTED.keys() - routes)
    assert not stale, f"entries for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_access_table(app, world, role):
    web = _client(app, role)
    column = ROLES.index(role)
    pool = app.extensions["workbench.engine"].pool
    before = snapshot(app)
    failures = []
    for endpoint, method, rule in _routes(app):
        if endpoint == "auth.logout":  # last: it ends the session (a change, on purpose)
            assert snapshot(app) == before, "a request of the table changed the database"
        expected = EXPECTED.get((endpoint, method))
        if expected is None:
            failures.append(f"{method} {rule.rule}: no entry in EXPECTED")
            continue
        url = _url(app, endpoint, _values(rule, world["a"]))
        response, body = _request(web, method, url, endpoint)
        status = response.status_code
        if pool.checkedout():
            failures.append(f"{method} {url}: left a database connection checked out")
        if status != expected[column]:
            failures.append(
                f"{method} {url}: {status}, expected {expected[column]}: {page_text(body)[:200]}"
            )
            continue
        if role == "anon" and status == 302 and endpoint != "auth.login":
            if urlsplit(response.location).path != "/login":
                failures.append(f"{method} {url}: redirected to {response.location}, not /login")
        if status == 404 and "No such" not in body and "Not Found" not in body:
            failures.append(f"{method} {url}: a 404 without its message")
    assert not failures, "\n".join(failures)
    after = snapshot(app)
    ended = [row for row in after.pop("login_sessions") if row[5] != "None"]
    assert len(ended) == (0 if role == "anon" else 1), "logout did not end the session"
    before.pop("login_sessions")
    assert after == before, "logging out changed more than its session"


@pytest.mark.parametrize("role", ["annotator", "manager", "admin"])
def test_ids_of_another_project_are_not_found(app, world, role):
    """A's id with B's article, claim or speaker (and B's id with A's) is a 404."""
    web = _client(app, role)
    column = ROLES.index(role)
    failures = []
    for endpoint, method, rule in _routes(app):
        if endpoint == "auth.logout" or not set(OBJECT_ARGUMENTS) & rule.arguments:
            continue
        combos = [("a", "b")]
        if role != "annotator":  # ann is no member of B: that is a plain 404 anyway
            combos.append(("b", "a"))
        for owner, other in combos:
            values = _values(rule, world[other])
            values["project_id"] = world[owner]["project_id"]
            url = _url(app, endpoint, values)
            response, body = _request(web, method, url, endpoint)
            # Without the right for the action, 403 comes before the object is looked up.
            expected = 403 if EXPECTED[(endpoint, method)][column] == 403 else 404
            if response.status_code != expected:
                failures.append(f"{method} {url}: {response.status_code}, expected {expected}")
    a = world["a"]
    url = _url(
        app,
        "annotate.annotate_article",
        {"project_id": a["project_id"], "article_id": a["article_id"]},
    )
    response, _ = _request(web, "GET", f"{url}?claim={world['b']['claim_id']}", "")
    if response.status_code != 404:
        failures.append(f"GET {url}?claim=<B's claim>: {response.status_code}, expected 404")
    assert not failures, "\n".join(failures)


def test_unknown_ids_are_not_found(app, world):
    web = _client(app, "admin")
    a = world["a"]
    # 2**31 and more: beyond an Integer column on PostgreSQL, where the query itself
    # would fail; such an id is simply not there.
    for unknown in ("99999", str(2**31), str(2**63)):
        for url in (
            f"/projects/{unknown}",
            f"/projects/{a['project_id']}/articles/{unknown}/annotate",
            f"/projects/{a['project_id']}/articles/{unknown}",
            f"/projects/{a['project_id']}/claims/{unknown}/history",
            f"/projects/{a['project_id']}/speakers/{unknown}/edit",
            f"/api/projects/{a['project_id']}/claims/{unknown}/annotation",
        ):
            response = web.get(url)
            assert response.status_code == 404, (url, read(response)[:300])
            read(response)
        response = web.post(f"/projects/{a['project_id']}/claims/{unknown}/split", {"at": "3"})
        assert response.status_code == 404
        read(response)
        # ids in form fields: refused as not a choice, nothing changed
        response = web.post(
            f"/projects/{a['project_id']}/targets/rename",
            {"rename-target": unknown, "rename-name": "X"},
        )
        assert response.status_code == 302
        assert "Not a valid choice" in page_text(read(web.get(response.location)))


def test_a_stranger_learns_nothing_from_a_project_page(app, world):
    web = _client(app, "stranger")
    a = world["a"]
    missing = read(web.get("/projects/99999"))
    existing = read(web.get(f"/projects/{a['project_id']}"))
    assert "Talks" not in existing
    # Same title and message for a project that exists and one that does not.
    assert (
        page_text(existing).split("Claim Workbench", 2)[-1]
        == page_text(missing).split("Claim Workbench", 2)[-1]
    )


def _invite(web, project_id, username, role="annotator"):
    response = web.post(f"/projects/{project_id}/members", {"username": username, "role": role})
    assert response.status_code == 302, read(response)
    return page_text(read(web.get(response.location)))


def test_a_manager_learns_nothing_of_which_accounts_exist_by_inviting(app, db, team):
    """Issue 9: adding members told a manager which usernames exist, and added them
    unasked. A manager who is not an admin invites; the answer is the same."""
    mona = _client(app, "manager")
    pid = team["project"].id
    said = {name: _invite(mona, pid, name) for name in ("stan", "nosuchuser")}
    told = {name: page.split("Log out", 1)[1].split("Members", 1)[0] for name, page in said.items()}
    assert told["stan"].startswith(" Invited 'stan' as annotator.")
    assert told["stan"].replace("stan", "NAME") == told["nosuchuser"].replace("nosuchuser", "NAME")
    members_page = said["nosuchuser"].split("Invited, not yet answered", 1)
    assert "stan" not in members_page[0].split("Members", 1)[1]  # not a member yet
    assert "stan annotator mona" in members_page[1]  # pending, by the name typed
    assert "nosuchuser annotator mona" in members_page[1]
    # Removing: the same words for an account and for a name that has none.
    for name in ("stan", "nosuchuser"):
        response = mona.post(f"/projects/{pid}/members/remove", {"username": name})
        assert f"{name} is not a member of this project." in page_text(
            read(mona.get(response.location))
        )


def test_the_invited_user_accepts_on_their_project_list(app, db, team):
    mona = _client(app, "manager")
    pid = team["project"].id
    _invite(mona, pid, "stan", "manager")
    stan = _client(app, "stranger")
    assert stan.get(f"/projects/{pid}").status_code == 404
    page = read(stan.get("/"))
    assert "mona invites you to Talks as manager." in page_text(page)
    invitation = form_values(page)["invitation"]
    response = stan.post("/invitations/answer", {"invitation": invitation, "answer": "accept"})
    assert response.status_code == 302
    assert response.location == f"/projects/{pid}"
    assert stan.get(f"/projects/{pid}").status_code == 200
    assert "stan manager" in page_text(read(mona.get(f"/projects/{pid}/members")))


def test_declining_and_answering_anothers_invitation(app, db, team):
    mona = _client(app, "manager")
    pid = team["project"].id
    _invite(mona, pid, "stan")
    stan, ann = _client(app, "stranger"), _client(app, "annotator")
    invitation = form_values(read(stan.get("/")))["invitation"]
    before = snapshot(app)
    response = ann.post("/invitations/answer", {"invitation": invitation, "answer": "accept"})
    assert "No such invitation" in page_text(read(ann.get(response.location)))
    assert snapshot(app) == before
    response = stan.post("/invitations/answer", {"invitation": invitation, "answer": "decline"})
    assert "You declined the invitation to 'Talks'." in page_text(read(stan.get(response.location)))
    assert stan.get(f"/projects/{pid}").status_code == 404
    assert "Invited, not yet answered" not in read(mona.get(f"/projects/{pid}/members"))


def test_a_manager_withdraws_an_invitation(app, db, team):
    mona = _client(app, "manager")
    pid = team["project"].id
    page = _invite(mona, pid, "nosuchuser")
    assert "nosuchuser" in page
    invitation = form_values(read(mona.get(f"/projects/{pid}/members")))["invitation"]
    response = mona.post(f"/projects/{pid}/invitations/withdraw", {"invitation": invitation})
    page = page_text(read(mona.get(response.location)))
    assert "The invitation of 'nosuchuser' is withdrawn." in page
    assert "Invited, not yet answered" not in page


def test_admins_add_members_directly(app, db, team):
    root = _client(app, "admin")
    pid = team["project"].id
    assert "stan is now annotator of this project." in _invite(root, pid, "stan")
    response = root.post(f"/projects/{pid}/members", {"username": "ghost", "role": "annotator"})
    assert response.status_code == 400
    assert "No user named 'ghost'; an admin creates accounts first." in page_text(read(response))
    stan = _client(app, "stranger")
    assert stan.get(f"/projects/{pid}").status_code == 200


def test_who_may_create_projects_is_set_by_an_admin(app, db, team):
    ann = _client(app, "annotator")
    assert "New project" not in read(ann.get("/"))
    assert ann.get("/projects/new").status_code == 403
    root = _client(app, "admin")
    page = read(root.get("/admin/settings"))
    assert form_values(page)["project_creators"] == "admins"
    response = root.post("/admin/settings", {"project_creators": "everyone"})
    assert response.status_code == 302
    assert "New project" in read(ann.get("/"))
    response = ann.post("/projects/new", {"name": "Ann's", "targets": "Peace"})
    assert response.status_code == 302, read(response)
    response = root.post("/admin/settings", {"project_creators": "nobody"})
    assert response.status_code == 400
    read(response)
    root.post("/admin/settings", {"project_creators": "admins"})
    assert ann.get("/projects/new").status_code == 403
