"""Importing earlier annotations on the web: the upload, its report, who may, and the
activation of the accounts an import made (issue 12, point 6)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, Web
from tests.web.web_helpers import add_article, fresh, page_text, read, snapshot
from workbench.models import Annotation, HistoryEntry, User
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.exports import export_stream
from workbench.ops.sessions import deactivate_user


@pytest.fixture
def talks(db, team):
    """The team's project with an article of four claims."""
    article, claims = add_article(db, team["project"], user=team["manager"])
    db.commit()
    return {**team, "article": article, "claims": claims}


def url(talks) -> str:
    return f"/projects/{talks['project'].id}/annotations/import"


def upload(web: Web, talks, text: str | bytes, **fields):
    data = text.encode("utf-8") if isinstance(text, str) else text
    form = {"file": (io.BytesIO(data), "earlier.csv"), **fields}
    return web.post(url(talks), form, content_type="multipart/form-data")


def rows(talks, *cells: str) -> str:
    return "claim_id,annotator,attribution,note\r\n" + "".join(
        f"{talks['claims'][i].id},{who},{label},{note}\r\n" for i, who, label, note in cells
    )


def test_the_project_page_links_to_the_upload_for_managers_only(web, new_web, talks):
    web.login("mona")
    page = read(web.get(f"/projects/{talks['project'].id}"))
    assert url(talks) in page and "Import annotations" in page
    annotator = new_web()
    annotator.login("ann")
    assert url(talks) not in read(annotator.get(f"/projects/{talks['project'].id}"))


def test_an_upload_imports_and_reports(web, db, talks):
    web.login("mona")
    form = read(web.get(url(talks)))
    assert 'enctype="multipart/form-data"' in form and 'name="csrf_token"' in form
    response = upload(
        web, talks, rows(talks, (0, "ann", "direct", "one"), (1, "carla", "none", ""))
    )
    assert response.status_code == 200
    text = page_text(read(response))
    assert "2 annotations imported, 0 replaced, 0 unchanged." in text
    assert "1 new account (carla), inactive until a manager activates them" in text
    saved = fresh(db).scalars(select(Annotation).order_by(Annotation.claim_id)).all()
    assert [(a.attribution, a.note) for a in saved] == [("direct", "one"), ("none", "")]
    carla = db.scalar(select(User).where(User.username == "carla"))
    assert carla.is_active is False


def test_a_bad_upload_lists_its_problems_and_changes_nothing(web, app, talks):
    web.login("mona")
    web.get(url(talks))
    before = snapshot(app)
    response = upload(
        web,
        talks,
        rows(talks, (0, "newbie", "direct", ""), (1, "ann", "shouted", ""), (2, "ann", "none", ""))
        + "999999,ann,none,\r\n",
    )
    assert response.status_code == 400
    text = page_text(read(response))
    assert "Nothing was imported: 2 problems." in text  # the label's, and the claim's
    assert "line 5, column 'claim_id': no claim 999999 in this project" in text
    assert "line 3, column 'attribution': unknown attribution label 'shouted'" in text
    after = snapshot(app)
    after.pop("login_sessions"), before.pop("login_sessions")
    assert after == before
    response = upload(web, talks, b"\x89PNG\r\n\x1a\n\x00\x00")
    assert response.status_code == 400
    assert "the file is a PNG image, not text" in page_text(read(response))
    response = web.post(url(talks), {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in page_text(read(response))


def test_an_upload_over_the_limit_is_refused(make_app, talks):
    web = Web(make_app(MAX_UPLOAD_MB=0.0001).test_client())
    web.login("mona")
    response = upload(web, talks, rows(talks, (0, "ann", "direct", "x" * 200)))
    assert response.status_code == 400
    assert "over the 100-byte limit" in page_text(read(response))


def test_an_export_uploaded_back_needs_replace_and_then_changes_nothing(web, db, talks):
    project, claims = talks["project"], talks["claims"]
    save_annotation(
        db,
        project,
        claims[0],
        talks["annotator"],
        AnnotationInput(attribution="direct", note="=A1"),
        base_version=None,
    )
    db.commit()
    exported = "".join(export_stream(db, project, format="csv"))
    web.login("mona")
    response = upload(web, talks, exported)
    assert response.status_code == 400
    assert "ann has an annotation of claim" in page_text(read(response))
    response = upload(web, talks, exported, replace="y")
    assert "0 annotations imported, 0 replaced, 1 unchanged." in page_text(read(response))
    changed = exported.replace(",direct,", ",indirect,")
    response = upload(web, talks, changed, replace="y")
    assert "0 annotations imported, 1 replaced, 0 unchanged." in page_text(read(response))
    annotation = fresh(db).scalar(select(Annotation))
    assert (annotation.attribution, annotation.note, annotation.version) == ("indirect", "=A1", 2)


def test_who_may_import(web, new_web, talks):
    """Managers (and admins) import; an annotator is refused, a stranger learns nothing,
    and a visitor is sent to log in."""
    cases = (("root", 200), ("mona", 200), ("ann", 403), ("stan", 404))
    for claim, (name, status) in enumerate(cases):
        client = new_web()
        client.login(name)
        assert client.get(url(talks)).status_code == status, name
        response = upload(client, talks, rows(talks, (claim, "ann", "direct", "")))
        assert response.status_code == status, name
    visitor = new_web()
    assert visitor.get(url(talks)).status_code == 302
    assert web.client.post(url(talks), data={}).status_code in (302, 400)


def test_the_upload_needs_its_csrf_token(web, db, talks):
    web.login("mona")
    form = {"file": (io.BytesIO(rows(talks, (0, "ann", "direct", "")).encode()), "a.csv")}
    response = web.post(url(talks), form, csrf=False, content_type="multipart/form-data")
    assert response.status_code == 400
    assert fresh(db).scalar(select(Annotation)) is None


def test_a_manager_activates_an_imported_account_on_the_members_page(web, new_web, db, talks):
    web.login("mona")
    upload(web, talks, rows(talks, (0, "carla", "direct", "")))
    members = f"/projects/{talks['project'].id}/members"
    page = read(web.get(members))
    assert "made by an annotation import: cannot log in yet" in page
    assert page.count("Activate</button>") == 1  # carla's only
    carla = new_web()
    carla.login("carla")
    assert carla.get(f"/projects/{talks['project'].id}").status_code == 302  # not logged in

    activate = f"/projects/{talks['project'].id}/members/activate"
    annotator = new_web()
    annotator.login("ann")
    response = annotator.post(activate, {"username": "carla", "password": PASSWORD})
    assert response.status_code == 403
    web.post(activate, {"username": "carla", "password": "short"})
    assert fresh(db).scalar(select(User.is_active).where(User.username == "carla")) is False
    response = web.post(activate, {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    assert "carla can log in now" in page_text(read(web.get(members)))
    carla = new_web()
    carla.login("carla")
    assert carla.get(f"/projects/{talks['project'].id}").status_code == 200
    history = page_text(read(web.get(f"/projects/{talks['project'].id}/history")))
    assert "Member activated" in history and "Annotations imported" in history
    entry = (
        fresh(db)
        .scalars(select(HistoryEntry).where(HistoryEntry.action == "activate-member"))
        .one()
    )
    assert entry.user_id == talks["manager"].id


def test_a_manager_cannot_activate_an_account_an_admin_deactivated(web, db, talks):
    deactivate_user(db, db.get(User, talks["annotator"].id), by=talks["admin"])
    db.commit()
    web.login("mona")
    members = f"/projects/{talks['project'].id}/members"
    assert "Activate</button>" not in read(web.get(members))
    web.post(
        f"/projects/{talks['project'].id}/members/activate",
        {"username": "ann", "password": PASSWORD},
    )
    assert "was not made by an annotation import" in page_text(read(web.get(members)))
    assert fresh(db).scalar(select(User.is_active).where(User.username == "ann")) is False
