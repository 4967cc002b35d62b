"""Team review in a real Chromium: a manager assigns the demo article, the annotator
finds it in their queue and codes it, two annotators' disagreement reaches the
adjudicator, who settles it into gold; the viewer sees progress and agreement."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import make_user
from workbench.models import Claim, GoldLabel
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.projects import set_member

from .pages import CHROMIUM, log_in

if not CHROMIUM.exists():
    pytest.skip("Chromium not found at /usr/bin/chromium", allow_module_level=True)


@pytest.fixture
def team(db, demo):
    project = demo.project
    users = {}
    for name, role in (("ann", "annotator"), ("bob", "annotator"), ("adele", "adjudicator"),
                       ("vic", "viewer")):  # fmt: skip
        users[name] = make_user(db, name)
        set_member(db, project, users[name], role)
    db.commit()
    return users


def test_assign_code_disagree_adjudicate(demo, db, team, new_page):
    pid = demo.project.id
    page = new_page()
    log_in(page)
    page.goto(f"/projects/{pid}/assignments")
    page.get_by_label("Annotators per article").fill("2")
    page.locator("#auto-assign select").select_option(["ann", "bob"])
    page.locator("#auto-assign").get_by_role("button", name="Assign").click()
    expect(page.locator(".flashes")).to_contain_text("Made 2 assignments: ann 1, bob 1.")
    expect(page.locator("#assignment-table")).to_contain_text("ann 0/0")

    ann = new_page()
    log_in(ann, "ann")
    expect(ann.locator("#queue")).to_contain_text("0 of 1 assigned article done")
    ann.locator("#queue table a").first.click()
    expect(ann.locator("#annotation-form")).to_be_visible()

    # Both code the first claim, and disagree on its attribution.
    claim = demo.claim_ids[0]
    for name, attribution in (("ann", "direct"), ("bob", "indirect")):
        values = AnnotationInput(attribution=attribution)
        coded = db.get(Claim, claim)
        save_annotation(db, demo.project, coded, team[name], values, base_version=None)
    db.commit()

    vic = new_page()
    log_in(vic, "vic")
    vic.goto(f"/projects/{pid}/progress")
    expect(vic.locator("#annotator-progress")).to_contain_text("ann")
    expect(vic.locator("svg.chart").first).to_be_visible()
    vic.goto(f"/projects/{pid}/agreement")
    expect(vic.locator("main")).to_contain_text("Attribution")

    adele = new_page()
    log_in(adele, "adele")
    adele.goto(f"/projects/{pid}/adjudication")
    adele.get_by_role("link", name="Settle").first.click()
    expect(adele.locator("main")).to_contain_text("indirect")
    section = adele.locator("section.settle", has=adele.get_by_role("heading", name="Attribution"))
    section.locator("input[name=choice][value='value:mixed']").check()
    section.get_by_label("Reason").select_option("genuinely ambiguous")
    section.get_by_role("button", name="Save gold: Attribution").click()
    expect(adele.locator(".flashes")).to_be_visible()
    db.rollback()
    gold = db.scalar(
        select(GoldLabel).where(GoldLabel.claim_id == claim, GoldLabel.key == "attribution")
    )
    assert gold is not None and gold.value == "mixed" and gold.reason == "genuinely ambiguous"
