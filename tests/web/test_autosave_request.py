"""The annotate page's autosave (issue 11): the draft save bench/load.py --autosave and
bench/autosave.py send, with each safety the faster save path must keep."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.web.test_api import api_token, post_json, setup_claim
from workbench.db import begin_write
from workbench.models import Annotation, HistoryEntry
from workbench.ops.claims import split_claim
from workbench.ops.speakers import create_speaker


def _draft(claim, target, base_version, note, speaker=None, via=None):
    return {
        "base_version": base_version,
        "status": "draft",
        "speaker_id": speaker,
        "via_id": via,
        "attribution": "indirect",
        "verifiability": "verifiable",
        "note": note,
        "stances": {str(target): "favor"},
        "claim_span": [claim.start, claim.end],
    }


def _history(db, claim):
    db.commit()  # a new snapshot: the saves were committed by the app's own sessions
    return db.scalar(
        select(func.count())
        .select_from(HistoryEntry)
        .where(HistoryEntry.entity == "annotation", HistoryEntry.claim_id == claim.id)
    )


def test_each_autosave_is_a_new_version_with_its_history_entry(web, db, team):
    project, claim = setup_claim(db, team)
    hatami = create_speaker(db, project, "Hatami")
    tasnim = create_speaker(db, project, "Tasnim", type="outlet")
    db.commit()
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    target = project.targets[0].id
    version = None
    for n in range(3):
        body = _draft(claim, target, version, f"typing {n}", hatami.id, tasnim.id if n else None)
        answer = post_json(web, url, body, token)
        assert answer.status_code == 200, answer.get_json()
        saved = answer.get_json()
        assert saved["saved"] is True and saved["claim_id"] == claim.id
        assert saved["annotation"]["status"] == "draft"
        assert saved["annotation"]["note"] == f"typing {n}"
        assert saved["annotation"]["speaker"] == "Hatami"
        assert saved["annotation"]["version"] == n + 1
        version = saved["annotation"]["version"]
    assert saved["annotation"]["via"] == "Tasnim"
    assert _history(db, claim) == 3
    stored = db.scalar(select(Annotation).where(Annotation.claim_id == claim.id))
    db.refresh(stored)
    assert (stored.version, stored.status, stored.note) == (3, "draft", "typing 2")


def test_an_autosave_on_an_old_version_is_refused_and_changes_nothing(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    target = project.targets[0].id
    assert post_json(web, url, _draft(claim, target, None, "first"), token).status_code == 200
    assert post_json(web, url, _draft(claim, target, 1, "second"), token).status_code == 200
    stale = post_json(web, url, _draft(claim, target, 1, "from another tab"), token)
    assert stale.status_code == 409
    assert stale.get_json()["current"]["note"] == "second"
    assert _history(db, claim) == 2


def test_an_autosave_after_a_split_is_refused_with_the_reason(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    token = api_token(web)
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    target = project.targets[0].id
    seen = _draft(claim, target, None, "first")
    assert post_json(web, url, seen, token).status_code == 200
    db.commit()
    begin_write(db)
    split_claim(db, claim, claim.start + 7, user=None)
    db.commit()
    db.refresh(claim)
    before = _history(db, claim)  # the first save, and the split's flag on it
    late = post_json(web, url, {**seen, "base_version": 1, "note": "late"}, token)
    assert late.status_code == 409, late.get_json()
    assert _history(db, claim) == before
    stored = db.scalar(select(Annotation).where(Annotation.claim_id == claim.id))
    db.refresh(stored)
    assert stored.note == "first"


def test_an_autosave_without_the_token_or_the_login_writes_nothing(web, db, team):
    project, claim = setup_claim(db, team)
    web.login("ann")
    url = f"/api/projects/{project.id}/claims/{claim.id}/annotation"
    body = _draft(claim, project.targets[0].id, None, "n")
    assert post_json(web, url, body, "not-the-token").status_code == 400
    web.client.post("/logout", headers={"X-CSRFToken": api_token(web)})
    assert web.get("/api/session").status_code == 403  # logged out
    assert post_json(web, url, body, "whatever").status_code in (400, 403)
    assert _history(db, claim) == 0
