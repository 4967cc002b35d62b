"""The claim's suggestions on the annotation page in a real Chromium: the "suggested"
badges, the evidence highlighted in the text, and accepting with one key or click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select

from workbench.models import Annotation, Claim, Speaker, Suggestion

from .pages import ANNOTATED, CHROMIUM, at_claim, choice, group, log_in

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium not found at /usr/bin/chromium (install Debian's chromium package to run the "
        "browser tests; `playwright install` is not used)",
        allow_module_level=True,
    )

TITLE = "Commander of the Joint Staff of the Iranian Armed Forces"


def _item(text: str, role: str, needle: str, after: int) -> dict:
    start = text.index(needle, after)
    return {"role": role, "start": start, "end": start + len(needle), "text": needle}


@pytest.fixture
def suggested(demo, db):
    """Claim 4 of the demo ('“We know Iraq’s security ...,” Baqeri told his guest.')
    with its suggestions: Baqeri (new to the registry, resolved to the full name in
    claim 2), a direct quote, a prediction. Returns the claim."""
    claim = db.get(Claim, demo.claim_ids[3])
    text = demo.article.text
    assert claim.text.endswith("Baqeri told his guest.")
    db.execute(delete(Suggestion).where(Suggestion.claim_id == claim.id))
    speaker = {
        "name": "Mohammad Baqeri",
        "type": "person",
        "title": TITLE,
        "aliases": ["Baqeri", "General Mohammad Baqeri"],
    }
    earlier = db.get(Claim, demo.claim_ids[1])
    rows = [
        (
            "speaker",
            "Mohammad Baqeri",
            "'Baqeri' is General Mohammad Baqeri, named in full two sentences before",
            [
                _item(text, "cue", "told", claim.start),
                _item(text, "source", "Baqeri", claim.end - 25),
                _item(text, "antecedent", "General Mohammad Baqeri", earlier.start),
            ],
            {"speaker": speaker},
        ),
        ("speaker_type", "person", "a person's name", [], {}),
        (
            "attribution",
            "direct",
            "the content is inside quotation marks",
            [_item(text, "quote", "“We know", claim.start)],
            {},
        ),
        (
            "verifiability",
            "prediction",
            "'will stand by' promises",
            [_item(text, "trigger", "will stand by", claim.start)],
            {},
        ),
    ]
    for field, value, reason, items, extra in rows:
        db.add(
            Suggestion(
                claim_id=claim.id,
                field=field,
                value=value,
                confidence=0.9,
                reason=reason,
                evidence={"rule": "test", "items": items, **extra},
                source="suggester",
            )
        )
    db.commit()
    return claim


def _annotation(db, demo, claim_id: int) -> Annotation | None:
    db.rollback()  # the server committed since
    return db.scalar(
        select(Annotation).where(
            Annotation.claim_id == claim_id, Annotation.user_id == demo.user.id
        )
    )


def _wait_saved(page, db, demo, claim_id: int) -> None:
    for _ in range(100):
        found = _annotation(db, demo, claim_id)
        if found is not None and found.status == "submitted":
            return
        page.wait_for_timeout(100)
    raise AssertionError("the accepted claim was never saved as done")


def _check_saved(db, demo, claim_id: int) -> None:
    saved = _annotation(db, demo, claim_id)
    assert saved is not None, "nothing saved"
    assert (saved.attribution, saved.verifiability, saved.version) == ("direct", "prediction", 1)
    speaker = db.get(Speaker, saved.speaker_id)
    assert (speaker.name, speaker.type, speaker.title) == ("Mohammad Baqeri", "person", TITLE)
    assert sorted(a.alias for a in speaker.aliases) == ["Baqeri", "General Mohammad Baqeri"]


def test_suggested_fields_are_badged_and_the_evidence_highlighted(demo, suggested, new_page):
    # Without the script, the new speaker's fields show, each with its badge.
    plain = new_page(javascript=False)
    log_in(plain)
    plain.goto(demo.claim_path(suggested.id))
    name = plain.get_by_label("or add a speaker")
    expect(name).to_be_visible()
    expect(name).to_have_value("Mohammad Baqeri")
    expect(plain.get_by_label("title or role")).to_have_value(TITLE)
    expect(name).to_have_accessible_description(re.compile("^suggested value, not saved"))
    # With it, the speaker picker shows the suggested new speaker, badged.
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(suggested.id))
    picker = page.locator(".picker").first
    expect(picker.locator(".picker-value")).to_have_text("Mohammad Baqeri (new)")
    expect(picker.locator(".suggested-badge")).to_be_visible()
    expect(page.locator("#new_speaker_title")).to_have_value(TITLE)
    name = plain.get_by_label("or add a speaker")
    # The badge is text, read out with the field it marks.
    badge = plain.locator("#new_speaker_name-suggested")
    expect(badge).to_be_visible()
    expect(badge).to_have_text(re.compile("^suggested"))
    expect(group(page, "Attribution").locator(".suggested-badge")).to_be_visible()
    expect(choice(page, "Attribution", "direct")).to_be_checked()
    expect(choice(page, "Verifiability", "prediction")).to_be_checked()

    # The evidence, in the claim and two claims back, highlighted with what it is.
    antecedent = page.locator(f"#c{demo.claim_ids[1]} mark.ev-antecedent")
    expect(antecedent).to_have_text("General Mohammad Baqeri")
    expect(antecedent).to_have_attribute("title", "earlier mention it refers to (speaker)")
    expect(antecedent).to_be_visible()
    expect(page.locator(f"#c{suggested.id} mark.ev-cue")).to_have_text("told")
    expect(page.locator("#suggestions")).to_contain_text(
        "'Baqeri' is General Mohammad Baqeri, named in full two sentences before"
    )
    expect(page.locator("#evidence-legend")).to_contain_text("speech cue")

    # A field changed is no longer the suggestion: its badge goes, the others stay.
    choice(page, "Verifiability", "opinion").check()
    expect(group(page, "Verifiability").locator(".suggested-badge")).to_have_count(0)
    expect(group(page, "Attribution").locator(".suggested-badge")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Accept suggestions"))).to_have_attribute(
        "aria-keyshortcuts", "a"
    )


def test_one_key_accepts_the_suggestions_and_moves_on(demo, suggested, new_page, db):
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(suggested.id))
    expect(page.get_by_role("button", name=re.compile("^Accept suggestions"))).to_be_visible()
    # "a" typed in a field is text, not the shortcut.
    note = page.get_by_label("Note")
    note.click()
    page.keyboard.type("a")
    expect(note).to_have_value("a")
    note.fill("")
    assert _annotation(db, demo, suggested.id) is None
    page.locator("#claim-form h2").click()
    page.keyboard.press("a")
    following = demo.claim_ids[4]
    page.wait_for_url(at_claim(following))
    expect(page.locator("#panel")).to_have_attribute("data-claim-id", str(following))
    expect(page.locator(f"#c{suggested.id}")).to_have_class(ANNOTATED)
    _wait_saved(page, db, demo, suggested.id)
    _check_saved(db, demo, suggested.id)
    # Saved now: the claim shows the annotation, no longer a suggestion to accept.
    page.locator(f"#c{suggested.id}").click()
    page.wait_for_url(at_claim(suggested.id))
    expect(page.locator("#speaker option:checked")).to_have_text("Mohammad Baqeri")
    expect(page.locator(".suggested-badge")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Accept suggestions"))).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_one_click_accepts_the_suggestions(demo, suggested, new_page, db, javascript):
    page = new_page(javascript=javascript)
    log_in(page)
    page.goto(demo.claim_path(suggested.id))
    page.get_by_role("button", name=re.compile("^Accept suggestions")).click()
    page.wait_for_url(at_claim(demo.claim_ids[4]))
    if javascript:  # saved in the background, the next claim shown at once
        _wait_saved(page, db, demo, suggested.id)
    else:
        expect(page.locator(".flashes")).to_contain_text(f"Saved claim {suggested.position}.")
    _check_saved(db, demo, suggested.id)
