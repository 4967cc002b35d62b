"""The annotation page in a real Chromium: saving, keys, stale saves, claim edits, no JS.

Set WORKBENCH_SCREENSHOT=/tmp/annotate.png to keep a screenshot of the page.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workbench.models import Annotation, Claim, Speaker

from .pages import ANNOTATED, CHROMIUM, SELECTED, at_claim, choice, log_in

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium not found at /usr/bin/chromium (install Debian's chromium package to run the "
        "browser tests; `playwright install` is not used)",
        allow_module_level=True,
    )


def my_annotation(db, demo, claim_id: int) -> Annotation | None:
    db.rollback()  # end the session's snapshot: the server committed since
    return db.scalar(
        select(Annotation).where(
            Annotation.claim_id == claim_id, Annotation.user_id == demo.user.id
        )
    )


def test_new_user_annotates_a_claim_and_sees_it_saved(demo, new_page, db):
    """With the mouse: open a claim, add its speaker from the picker, pick the labels,
    write a note, Done: saved in the background, the next claim shown, no reload."""
    page = new_page()
    log_in(page)
    page.get_by_role("link", name=demo.project.name).click()
    page.get_by_role("link", name=demo.article.title).click()
    claims = page.locator("#article-text a.claim")
    total = len(demo.claim_ids)
    expect(claims).to_have_count(total)
    expect(page.locator("#progress")).to_contain_text(f"You have done 0 of {total} claims")
    page.evaluate("window.notReloaded = true")

    third = demo.claim_ids[2]
    claims.nth(2).click()
    page.wait_for_url(at_claim(third))
    expect(page.locator(f"#c{third}")).to_have_class(SELECTED)
    expect(page.locator("#claim-form h2")).to_contain_text("Claim 3")

    page.locator(".picker-open").first.click()
    page.locator(".picker-search input").first.fill("Mohammad Baqeri")
    page.get_by_role("option", name=re.compile("Add “Mohammad Baqeri”")).click()
    page.locator(".picker-new").get_by_label("title or role").fill(
        "Chief of Staff of the Iranian Armed Forces"
    )
    page.get_by_role("button", name="Add and choose").click()
    expect(page.locator(".picker-value").first).to_have_text("Mohammad Baqeri")
    choice(page, "Attribution", "indirect").check()
    choice(page, "Stance", "favor").check()
    choice(page, "Verifiability", "opinion").check()
    page.get_by_label("Note").fill("Calls for closer ties.")
    page.get_by_role("button", name="Done, next claim").click()

    page.wait_for_url(at_claim(demo.claim_ids[3]))
    expect(page.locator(f"#c{third}")).to_have_class(ANNOTATED)
    expect(page.locator(f"#c{demo.claim_ids[3]}")).to_have_class(SELECTED)
    expect(page.locator("#progress")).to_contain_text(f"You have done 1 of {total} claims")
    if os.environ.get("WORKBENCH_SCREENSHOT"):
        page.screenshot(path=os.environ["WORKBENCH_SCREENSHOT"])

    page.locator(f"#c{third}").click()
    page.wait_for_url(at_claim(third))
    expect(page.locator("#save-state")).to_have_text("Done · saved")
    expect(page.locator("#speaker option:checked")).to_have_text("Mohammad Baqeri")
    expect(choice(page, "Attribution", "indirect")).to_be_checked()
    expect(choice(page, "Stance", "favor")).to_be_checked()
    expect(choice(page, "Verifiability", "opinion")).to_be_checked()
    expect(page.get_by_label("Note")).to_have_value("Calls for closer ties.")
    assert page.evaluate("window.notReloaded") is True

    saved = my_annotation(db, demo, third)
    assert (saved.attribution, saved.verifiability, saved.status) == (
        "indirect",
        "opinion",
        "submitted",
    )
    speaker = db.get(Speaker, saved.speaker_id)
    assert (speaker.name, speaker.type, speaker.title) == (
        "Mohammad Baqeri",
        "person",
        "Chief of Staff of the Iranian Armed Forces",
    )


def test_a_stale_save_is_refused_with_the_newer_values(demo, new_page, db):
    """Without the script (the form posts): a save based on an older version is refused
    with both versions shown (the script's conflict view is in test_keyboard_page.py)."""
    claim_id = demo.claim_ids[4]
    first, second = new_page(javascript=False), new_page(javascript=False)
    for page in (first, second):
        log_in(page)
        page.goto(demo.claim_path(claim_id))
        expect(page.locator("#claim-form h2")).to_contain_text("Claim 5")

    choice(first, "Verifiability", "verifiable").check()
    first.get_by_label("Note").fill("first")
    first.get_by_role("button", name="Done", exact=True).click()
    expect(first.locator(".flashes")).to_contain_text("Saved claim 5.")

    choice(second, "Verifiability", "opinion").check()
    second.get_by_label("Note").fill("second")
    with second.expect_response(lambda r: r.request.method == "POST") as posted:
        second.get_by_role("button", name="Done", exact=True).click()
    assert posted.value.status == 409
    expect(second.get_by_role("heading", level=1)).to_have_text(
        "Conflict: your changes were not saved"
    )
    newer = second.locator("table.values")
    expect(newer).to_contain_text("verifiable")
    expect(newer).to_contain_text("first")
    expect(newer).to_contain_text("opinion")  # what the user tried, so it can be re-entered
    second.locator("#reload-claim").click()
    expect(second.get_by_label("Note")).to_have_value("first")

    saved = my_annotation(db, demo, claim_id)
    assert (saved.verifiability, saved.note, saved.version) == ("verifiable", "first", 1)


def test_going_back_to_a_form_never_saves_over_newer_values(demo, new_page, db):
    """Back to a claim whose form had unsaved input, after another tab saved it:
    the browser must not bring the old input back onto the newer version (a form
    the browser restored would carry the new base version and save over it). Without
    the script: with it, every change is saved at once."""
    claim_id = demo.claim_ids[3]
    mine, other = new_page(javascript=False), new_page(javascript=False)
    for page in (mine, other):
        log_in(page)
    mine.goto(demo.claim_path(claim_id))
    mine.get_by_label("Note").fill("draft, not saved")
    choice(mine, "Verifiability", "opinion").check()
    mine.goto(demo.claim_path(demo.claim_ids[4]))  # away, without saving

    other.goto(demo.claim_path(claim_id))
    choice(other, "Verifiability", "verifiable").check()
    other.get_by_label("Note").fill("saved in the other tab")
    other.get_by_role("button", name="Done", exact=True).click()
    expect(other.locator(".flashes")).to_contain_text("Saved claim 4.")

    mine.go_back()
    expect(mine.locator("#claim-form h2")).to_contain_text("Claim 4")
    expect(mine.get_by_label("Note")).to_have_value("saved in the other tab")
    expect(choice(mine, "Verifiability", "verifiable")).to_be_checked()
    mine.get_by_role("button", name="Done", exact=True).click()
    saved = my_annotation(db, demo, claim_id)
    assert (saved.note, saved.verifiability) == ("saved in the other tab", "verifiable")


def test_manager_splits_a_claim_and_merges_it_back(demo, new_page, db):
    third = demo.claim_ids[2]
    original = db.get(Claim, third).text
    total = len(demo.claim_ids)
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(third))
    claims = page.locator("#article-text a.claim")
    expect(claims).to_have_count(total)

    page.get_by_text("Change this claim's boundaries").click()
    page.get_by_label("Second part begins with").fill("calling for")
    page.get_by_role("button", name="Split", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("Claim split in two")
    expect(claims).to_have_count(total + 1)
    expect(page.locator("#selected-text")).to_have_text(re.compile(r"^calling for"))
    expect(page.locator(f"#c{third}")).not_to_contain_text("calling for")

    page.locator(f"#c{third}").click()
    page.wait_for_url(at_claim(third))
    page.get_by_text("Change this claim's boundaries").click()
    page.get_by_role("button", name="Merge with the next claim").click()
    expect(page.locator(".flashes")).to_contain_text("Claim merged")
    expect(claims).to_have_count(total)
    expect(page.locator("#selected-text")).to_have_text(original)


def test_the_page_works_without_javascript(demo, new_page, db):
    claim_id = demo.claim_ids[5]
    page = new_page(javascript=False)
    log_in(page)
    page.goto(demo.annotate_path)
    expect(page.locator("#help")).to_be_hidden()
    expect(page.locator(".toolbar-tools")).to_be_hidden()
    page.locator(f"#c{claim_id}").click()
    page.wait_for_url(at_claim(claim_id))
    expect(page.locator(f"#c{claim_id}")).to_have_class(SELECTED)
    choice(page, "Attribution", "direct").check()
    choice(page, "Verifiability", "verifiable").check()
    page.get_by_label("Note").fill("no script")
    page.get_by_role("button", name="Done", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("Saved claim 6. It is done.")
    expect(page.locator(f"#c{claim_id}")).to_have_class(ANNOTATED)
    saved = my_annotation(db, demo, claim_id)
    assert (saved.attribution, saved.verifiability) == ("direct", "verifiable")
    assert saved.note == "no script"


def test_a_long_article_loads_far_claims_on_scrolling_and_jumping(demo, new_page, db):
    from tests.bulk import make_long_article
    from workbench.ops.claims import active_claims

    article = make_long_article(db, demo.project, 400)
    db.commit()
    ids = [c.id for c in active_claims(db, article)]
    path = f"/projects/{demo.project.id}/articles/{article.id}/annotate"
    page = new_page()
    log_in(page)
    page.goto(f"{path}?claim={ids[0]}")
    # The page has the first claim and the 40 after it; the claims after those load
    # while the end of the text is near the screen, and no further.
    expect(page.locator(f"#c{ids[40]}")).to_be_attached()
    page.wait_for_timeout(1000)
    assert page.locator("#article-text a.claim").count() < 250
    expect(page.locator(f"#c{ids[300]}")).to_have_count(0)
    # Scrolling down loads the claims that follow, a stretch at a time.
    for _ in range(20):
        if page.locator(f"#c{ids[300]}").count():
            break
        page.evaluate("document.getElementById('article-text').scrollTop = 1e9")
        page.wait_for_timeout(300)
    expect(page.locator(f"#c{ids[300]}")).to_have_text(re.compile("Claim number 000301"))

    # Jumping to a claim by its number opens it, with the claims around it.
    page.get_by_label("Go to claim number").fill("350")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.locator(f"#c{ids[349]}")).to_have_class(SELECTED)
    expect(page.locator("#claim-form h2")).to_contain_text("Claim 350")
    page.wait_for_timeout(1000)
    expect(page.locator(f"#c{ids[100]}")).to_have_count(0)
    # Scrolling up loads the claims before.
    for _ in range(20):
        if page.locator(f"#c{ids[100]}").count():
            break
        page.evaluate("document.getElementById('article-text').scrollTop = 0")
        page.wait_for_timeout(300)
    expect(page.locator(f"#c{ids[100]}")).to_have_text(re.compile("Claim number 000101"))
    page.locator("#claim-form h2").click()
    page.keyboard.press("j")
    page.wait_for_url(at_claim(ids[350]))  # shown without a reload
    expect(page.locator("#claim-form h2")).to_contain_text("Claim 351")
