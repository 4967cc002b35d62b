"""The adjudication pages: who may use them, the list and its filters, a claim side by
side (blind or not), settling with a reason, stale forms, accept-all-agree, downloads."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import Web, make_user
from tests.web.web_helpers import add_article, add_speaker, page_text, read
from workbench.models import Annotation, GoldLabel
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.projects import set_member

ROLE_STATUS = {"manager": 200, "adjudicator": 200, "annotator": 403, "viewer": 403}


@pytest.fixture
def court(db, team):
    """Team's project with an adjudicator (judy), a viewer (vic), a second annotator
    (bob), and a claim on which ann and bob disagree about the attribution and agree
    on the verifiability."""
    project = team["project"]
    judy, vic, bob = make_user(db, "judy"), make_user(db, "vic"), make_user(db, "bob")
    set_member(db, project, judy, "adjudicator")
    set_member(db, project, vic, "viewer")
    set_member(db, project, bob, "annotator")
    _, claims = add_article(db, project)
    speaker = add_speaker(db, project)
    target = project.targets[0].id
    for user, attribution in ((team["annotator"], "direct"), (bob, "indirect")):
        save_annotation(
            db,
            project,
            claims[0],
            user,
            AnnotationInput(
                attribution=attribution,
                verifiability="opinion",
                speaker_id=speaker.id,
                stances={target: "favor"},
                note=f"{user.username} thinks so",
            ),
            base_version=None,
        )
    db.commit()
    return {"project": project, "claim": claims[0], "claims": claims, "speaker": speaker}


def login(app, username) -> Web:
    web = Web(app.test_client())
    assert web.login(username).status_code == 302
    return web


def urls(court):
    p, c = court["project"].id, court["claim"].id
    return [
        f"/projects/{p}/adjudication",
        f"/projects/{p}/adjudication/claims/{c}",
        f"/projects/{p}/gold.csv",
        f"/projects/{p}/gold-accuracy.csv",
    ]


@pytest.mark.parametrize(
    "username,role",
    [("mona", "manager"), ("judy", "adjudicator"), ("ann", "annotator"), ("vic", "viewer")],
)
def test_roles(app, court, username, role):
    web = login(app, username)
    for url in urls(court):
        response = web.get(url)
        read(response)
        assert response.status_code == ROLE_STATUS[role], url
    p, c = court["project"].id, court["claim"].id
    posts = [f"/projects/{p}/adjudication/claims/{c}/settle", f"/projects/{p}/adjudication/accept"]
    for url in posts:
        response = web.post(url, {})
        read(response)
        if ROLE_STATUS[role] == 403:
            assert response.status_code == 403, url


def test_a_non_member_gets_404_and_a_logged_out_visitor_the_login_page(app, court):
    web = login(app, "stan")
    for url in urls(court):
        response = web.get(url)
        read(response)
        assert response.status_code == 404, url
    anon = app.test_client()
    for url in urls(court):
        response = anon.get(url)
        assert response.status_code == 302 and "/login" in response.location, url


def test_the_project_page_links_the_list_for_those_who_adjudicate(app, court):
    p = court["project"].id
    link = f"/projects/{p}/adjudication"
    assert link in read(login(app, "judy").get(f"/projects/{p}"))
    assert link not in read(login(app, "ann").get(f"/projects/{p}"))


def test_the_list_shows_the_disagreement_and_filters(app, court):
    web = login(app, "judy")
    p, c = court["project"].id, court["claim"].id
    text = page_text(read(web.get(f"/projects/{p}/adjudication")))
    assert "Attribution: direct ×1, indirect ×1" in text
    assert "Verifiability" not in text.split("Fields in disagreement")[1], "all agreed on it"
    assert f"/adjudication/claims/{c}" in read(web.get(f"/projects/{p}/adjudication"))
    none = page_text(read(web.get(f"/projects/{p}/adjudication?field=speaker")))
    assert "No open disagreements with these filters" in none
    bad = web.get(f"/projects/{p}/adjudication?field=nonsense")
    assert bad.status_code == 400 and "Unknown field" in read(bad)
    assert web.get(f"/projects/{p}/adjudication?state=nonsense").status_code == 400
    assert web.get(f"/projects/{p}/adjudication?article=x").status_code == 400


def test_side_by_side_with_names_or_blind(app, court):
    web = login(app, "judy")
    p, c = court["project"].id, court["claim"].id
    body = page_text(read(web.get(f"/projects/{p}/adjudication/claims/{c}")))
    assert "ann" in body and "bob" in body
    assert "ann thinks so" in body and "bob thinks so" in body
    assert "Baqeri said the talks in Baghdad went well." in body
    blind = read(web.get(f"/projects/{p}/adjudication/claims/{c}?blind=1"))
    text = page_text(blind)
    assert "Annotator 1" in text and "Annotator 2" in text
    assert not re.search(
        r"\bann\b|\bbob\b", text.replace("ann thinks so", "").replace("bob thinks so", "")
    )


def _form(body: str, key: str) -> dict:
    """The hidden fields of the settle form of ``key`` on a claim page."""
    start = body.index(f'name="key" type="hidden" value="{key}"')
    form = body[body.rindex("<form", 0, start) : body.index("</form>", start)]
    fields = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', form))
    fields.update(
        dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form)),
    )
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    if token:
        fields["csrf_token"] = token.group(1)
    return fields


def _annotation_ids(db, claim):
    return [
        a
        for (a,) in db.execute(
            select(Annotation.id).where(Annotation.claim_id == claim.id).order_by(Annotation.id)
        )
    ]


def test_settle_needs_a_reason_and_refuses_a_stale_form(app, db, court):
    web = login(app, "judy")
    p, c = court["project"].id, court["claim"].id
    page = f"/projects/{p}/adjudication/claims/{c}"
    url = f"{page}/settle"
    ann_id, bob_id = _annotation_ids(db, court["claim"])
    first = _form(read(web.get(page)), "attribution")
    second = dict(first)  # a second tab, opened at the same time
    missing = web.post(url, {**first, "choice": f"pick:{ann_id}", "reason": ""})
    assert missing.status_code == 400 and "Choose a reason" in read(missing)
    assert db.scalar(select(func.count()).select_from(GoldLabel)) == 0
    tokenless = {k: v for k, v in first.items() if k != "csrf_token"}
    no_csrf = web.post(
        url, {**tokenless, "choice": f"pick:{ann_id}", "reason": "other"}, csrf=False
    )
    assert no_csrf.status_code == 400
    saved = web.post(
        url,
        {**first, "choice": f"pick:{ann_id}", "reason": "annotator slip", "reason_text": "quoted"},
    )
    assert saved.status_code == 303
    db.rollback()  # a new snapshot: the request committed in its own session
    gold = db.scalar(select(GoldLabel))
    assert (gold.value, gold.reason, gold.reason_text, gold.adjudicated) == (
        "direct",
        "annotator slip",
        "quoted",
        True,
    )
    stale = web.post(url, {**second, "choice": f"pick:{bob_id}", "reason": "other"})
    body = read(stale)
    assert stale.status_code == 409 and "Someone settled this field" in page_text(body)
    db.rollback()
    assert db.scalar(select(GoldLabel)).value == "direct", "the stale form saved nothing"
    # The refused form moved on to the version now saved: sending it again replaces it.
    again = _form(body, "attribution")
    assert again["version"] == "1"
    replaced = web.post(url, {**again, "choice": "value:mixed", "reason": "other"})
    assert replaced.status_code == 303
    db.rollback()
    gold = db.scalar(select(GoldLabel))
    assert (gold.value, gold.version, gold.source_annotation_ids) == ("mixed", 2, [])
    history = page_text(read(web.get(page)))
    assert "Gold history" in history and "changed" in history and "settled" in history


def test_settle_a_new_speaker_and_bad_choices(app, db, court):
    web = login(app, "mona")
    p, c = court["project"].id, court["claim"].id
    page = f"/projects/{p}/adjudication/claims/{c}"
    fields = _form(read(web.get(page)), "speaker")
    empty = web.post(
        f"{page}/settle", {**fields, "choice": "new", "new_speaker": " ", "reason": "other"}
    )
    assert empty.status_code == 400
    bad = web.post(f"{page}/settle", {**fields, "choice": "guess", "reason": "other"})
    assert bad.status_code == 400
    made = web.post(
        f"{page}/settle",
        {**fields, "choice": "new", "new_speaker": "Ministry of Defence", "reason": "other"},
    )
    assert made.status_code == 303
    assert "Ministry of Defence" in page_text(read(web.get(page)))


def test_accept_all_agreed_and_the_downloads(app, db, court):
    web = login(app, "judy")
    p = court["project"].id
    list_page = read(web.get(f"/projects/{p}/adjudication"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', list_page).group(1)
    accepted = web.post(
        f"/projects/{p}/adjudication/accept", {"csrf_token": token, "scope": "project"}
    )
    assert accepted.status_code == 303
    flash = page_text(read(web.get(accepted.location)))
    assert "Accepted into gold: 3 new" in flash, flash
    again = web.post(
        f"/projects/{p}/adjudication/accept", {"csrf_token": token, "scope": "project"}
    )
    assert "0 new" in page_text(read(web.get(again.location)))
    db.rollback()
    assert db.scalar(select(func.count()).select_from(GoldLabel)) == 3
    gold = read(web.get(f"/projects/{p}/gold.csv"))
    rows = list(csv.DictReader(io.StringIO(gold)))
    assert len(rows) == 1
    assert rows[0]["verifiability"] == "opinion" and rows[0]["verifiability_agreed"] == "2"
    assert rows[0]["speaker"] == "Mohammad Baqeri" and rows[0]["annotators"] == "2"
    assert rows[0]["attribution"] == "" and rows[0]["adjudicated"] == "false"
    accuracy = list(csv.DictReader(io.StringIO(read(web.get(f"/projects/{p}/gold-accuracy.csv")))))
    assert {(r["annotator"], r["field"], r["accuracy"]) for r in accuracy} >= {
        ("ann", "verifiability", "1.0"),
        ("bob", "speaker", "1.0"),
    }


def test_the_reasons_are_edited_on_the_settings_page(app, db, court):
    from tests.web.web_helpers import form_values

    web = login(app, "mona")
    p = court["project"].id
    page = read(web.get(f"/projects/{p}/settings"))
    assert "guideline unclear\nannotator slip" in page
    values = form_values(page)
    values["gold_reasons"] = "typo\nrule missing"
    saved = web.post(f"/projects/{p}/settings", values)
    assert saved.status_code == 302, page_text(read(saved))[:300]
    claim_page = read(web.get(f"/projects/{p}/adjudication/claims/{court['claim'].id}"))
    assert '<option value="rule missing">' in claim_page
    values = form_values(read(web.get(f"/projects/{p}/settings")))
    values["gold_reasons"] = "a\nA"
    refused = web.post(f"/projects/{p}/settings", values)
    assert refused.status_code == 400 and "listed twice" in read(refused)
