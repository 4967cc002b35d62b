"""The keyboard-first annotate page in a real Chromium (issue 11): ten claims with the
keys alone, saves in the background that survive a server stopped mid-session, two tabs
in conflict, undo, keys typed into the note, an empty claim never done, the help, the
fit at 1366x768, and a split by selecting text.

The demo article's speakers are in the registry first (its roster added), so the
suggestions name registry speakers and the picker lists the article's speakers.
"""

from __future__ import annotations

import re
import socket
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select
from werkzeug.serving import make_server

from workbench.models import Annotation, Claim, Speaker, Stance, Suggestion
from workbench.ops.suggestions import add_roster

from .conftest import _QuietHandler
from .pages import CHROMIUM, TIMEOUT_MS, at_claim, log_in

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium not found at /usr/bin/chromium (install Debian's chromium package to run the "
        "browser tests; `playwright install` is not used)",
        allow_module_level=True,
    )

DONE = re.compile(r"(^|\s)done(\s|$)")


@pytest.fixture
def roster(demo, db):
    """The demo with its article's roster in the registry (suggestions name them)."""
    add_roster(db, demo.article, user=demo.user)
    db.commit()
    return demo


def mine(db, demo, claim_id: int) -> Annotation | None:
    db.rollback()  # the server committed since
    return db.scalar(
        select(Annotation).where(
            Annotation.claim_id == claim_id, Annotation.user_id == demo.user.id
        )
    )


def stance_of(db, annotation: Annotation) -> str:
    return db.scalar(select(Stance.value).where(Stance.annotation_id == annotation.id)) or ""


def speaker_named(db, annotation: Annotation) -> str:
    return db.get(Speaker, annotation.speaker_id).name if annotation.speaker_id else ""


def panel_at(page, claim_id: int):
    expect(page.locator("#panel")).to_have_attribute("data-claim-id", str(claim_id))


def press(page, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def wait_saved(page, claim_id: int, db, demo, status: str = "submitted") -> Annotation:
    """Wait until the server has the user's annotation of the claim with ``status``."""
    for _ in range(100):
        found = mine(db, demo, claim_id)
        if found is not None and found.status == status:
            return found
        page.wait_for_timeout(100)
    raise AssertionError(f"claim {claim_id} never saved as {status}: {found and found.status}")


def test_ten_claims_with_the_keyboard_alone(roster, new_page, db):
    demo = roster
    ids = demo.claim_ids
    page = new_page()
    log_in(page)
    page.goto(demo.annotate_path)
    panel_at(page, ids[0])
    roster_second = page.evaluate(
        "JSON.parse(document.getElementById('page-data').dataset.json).roster[1].name"
    )
    # 1, 2: the suggestions are right: one key each.
    press(page, "a")
    panel_at(page, ids[1])
    press(page, "a")
    panel_at(page, ids[2])
    # 3: the speaker corrected with the picker (registry, by a folded part of the name).
    press(page, "s")
    picker = page.locator(".picker-search input").first
    expect(picker).to_be_focused()
    page.keyboard.type("HATAMÍ")
    expect(page.locator(".picker-list li").first).to_contain_text("Amir Hatami")
    press(page, "Enter", "e", "1", "f", "1", "d")
    panel_at(page, ids[3])
    # 4: a speaker new to the registry, added from the picker without leaving the page.
    press(page, "s")
    page.keyboard.type("Jane Example")
    expect(page.get_by_role("option", name=re.compile("Add “Jane Example”"))).to_be_visible()
    press(page, "ArrowUp", "Enter")
    expect(page.get_by_label("name", exact=True)).to_have_value("Jane Example")
    press(page, "Enter")
    expect(page.locator(".picker-value").first).to_have_text("Jane Example")
    press(page, "t", "2", "d")
    panel_at(page, ids[4])
    # 5: a speaker of the article by its digit, then attribution, stance, verifiability:
    # each digit moves on to the next field.
    press(page, "s", "Escape", "2", "1", "2", "2", "d")
    panel_at(page, ids[5])
    # 6-10: the stance added to the suggestions, or the suggestions as they are.
    plan = (["e", "1", "d"], ["a"], ["e", "2", "d"], ["a"], ["e", "4", "d"])
    for claim_id, keys in zip(ids[5:10], plan, strict=True):
        panel_at(page, claim_id)
        press(page, *keys)
    panel_at(page, ids[10])
    for claim_id in ids[:10]:
        wait_saved(page, claim_id, db, demo)

    page.reload()
    expect(page.locator("#progress")).to_contain_text(f"You have done 10 of {len(ids)} claims")
    for claim_id in ids[:10]:
        expect(page.locator(f"#c{claim_id}")).to_have_class(DONE)
    third, fourth, fifth = (mine(db, demo, i) for i in ids[2:5])
    assert (speaker_named(db, third), stance_of(db, third), third.verifiability) == (
        "Amir Hatami",
        "favor",
        "verifiable",
    )
    new = db.get(Speaker, fourth.speaker_id)
    assert (new.name, new.type, fourth.attribution) == ("Jane Example", "person", "indirect")
    assert speaker_named(db, fifth) == roster_second
    assert (fifth.attribution, stance_of(db, fifth), fifth.verifiability) == (
        "direct",
        "against",
        "opinion",
    )
    for claim_id, value in zip(
        (ids[5], ids[7], ids[9]), ("favor", "against", "unrelated"), strict=True
    ):
        assert stance_of(db, mine(db, demo, claim_id)) == value


def test_a_claim_is_shown_without_a_reload_and_the_text_follows(roster, new_page):
    page = new_page()
    log_in(page)
    page.goto(roster.claim_path(roster.claim_ids[3]))
    page.evaluate("window.notReloaded = true")
    press(page, "j")
    panel_at(page, roster.claim_ids[4])
    expect(page).to_have_url(at_claim(roster.claim_ids[4]))
    expect(page.locator(f"#c{roster.claim_ids[4]}")).to_have_class(re.compile("selected"))
    press(page, "ArrowUp", "k")
    panel_at(page, roster.claim_ids[2])
    assert page.evaluate("window.notReloaded") is True
    # The evidence of the claim shown is highlighted in the text, the old one's is gone.
    marks = page.locator("#article-text mark.evidence")
    expect(marks.first).to_be_visible()
    start = int(page.locator("#panel").get_attribute("data-start"))
    end = int(page.locator("#panel").get_attribute("data-end"))
    for each in page.evaluate("JSON.parse(document.getElementById('panel').dataset.marks)"):
        assert each[1] < end or each[2] > start


def test_saves_wait_out_a_stopped_server_and_go_through_by_themselves(roster, browser, app, db):
    """Stop the server mid-session, make two changes: "not saved"; start it again: both
    are saved without the annotator doing anything."""
    demo = roster
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state = {}

    def start():
        httpd = make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietHandler)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        state.update(httpd=httpd, thread=thread)

    def stop():
        state["httpd"].shutdown()
        state["httpd"].server_close()
        state["thread"].join(timeout=10)

    start()
    try:
        context = browser.new_context(
            base_url=f"http://127.0.0.1:{port}", viewport={"width": 1366, "height": 768}
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        log_in(page)
        claim_id = demo.claim_ids[6]
        page.goto(demo.claim_path(claim_id))
        panel_at(page, claim_id)
        page.wait_for_load_state("networkidle")
        stop()
        press(page, "e", "2", "f", "3")
        state_line = page.locator("#save-state")
        expect(state_line).to_contain_text("Not saved")
        expect(state_line).to_contain_text("cannot be reached")
        assert mine(db, demo, claim_id) is None
        start()
        expect(state_line).to_have_text("Draft saved (not done)", timeout=20_000)
        saved = mine(db, demo, claim_id)
        assert (stance_of(db, saved), saved.verifiability, saved.status) == (
            "against",
            "prediction",
            "draft",
        )
        context.close()
    finally:
        if state["thread"].is_alive():
            stop()


def test_a_save_while_logged_out_goes_through_after_logging_in_again(roster, browser, server, db):
    demo = roster
    claim_id = demo.claim_ids[8]
    context = browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page)
    page.goto(demo.claim_path(claim_id))
    panel_at(page, claim_id)
    other = context.new_page()  # the same browser: logging out there logs this tab out
    other.goto("/")
    other.get_by_role("button", name="Log out").click()
    press(page, "e", "3")
    state_line = page.locator("#save-state")
    expect(state_line).to_contain_text("you are logged out")
    assert mine(db, demo, claim_id) is None
    log_in(other)
    expect(state_line).to_have_text("Draft saved (not done)", timeout=20_000)
    assert stance_of(db, mine(db, demo, claim_id)) == "neutral"
    context.close()


def test_two_tabs_on_one_claim_end_in_a_conflict_not_an_overwrite(roster, browser, server, db):
    demo = roster
    claim_id = demo.claim_ids[5]
    context = browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(TIMEOUT_MS)
    first = context.new_page()
    log_in(first)
    second = context.new_page()
    for page in (first, second):
        page.goto(roster.claim_path(claim_id))
        panel_at(page, claim_id)
    press(first, "e", "1")
    expect(first.locator("#save-state")).to_have_text("Draft saved (not done)")
    press(second, "e", "2")
    conflict = second.locator("#conflict-view")
    expect(conflict).to_be_visible()
    expect(second.locator("#save-state")).to_contain_text("newer version")
    row = conflict.locator("tr", has_text="Stance")
    expect(row).to_contain_text("Favor")
    expect(row).to_contain_text("Against")
    assert stance_of(db, mine(db, demo, claim_id)) == "favor"  # nothing overwritten
    second.get_by_role("button", name="Keep mine").click()
    expect(second.locator("#save-state")).to_have_text("Draft saved (not done)")
    saved = mine(db, demo, claim_id)
    assert (stance_of(db, saved), saved.version) == ("against", 2)
    context.close()


def test_undo_puts_back_the_value_before(roster, new_page, db):
    demo = roster
    claim_id = demo.claim_ids[3]
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(claim_id))
    panel_at(page, claim_id)
    before = page.locator('#annotation-form input[name="verifiability"]:checked').get_attribute(
        "value"
    )
    press(page, "f", "2")
    expect(page.locator("#save-state")).to_have_text("Draft saved (not done)")
    assert mine(db, demo, claim_id).verifiability == "opinion"
    press(page, "u")
    expect(
        page.locator(f'#annotation-form input[name="verifiability"][value="{before}"]')
    ).to_be_checked()
    page.wait_for_timeout(300)
    expect(page.locator("#save-state")).to_have_text("Draft saved (not done)")
    assert mine(db, demo, claim_id).verifiability == before
    press(page, "e", "3", "Control+z")
    expect(page.locator('#annotation-form input[name^="stance_"][value=""]')).to_be_checked()


def test_keys_typed_in_the_note_are_text(roster, new_page, db):
    demo = roster
    claim_id = demo.claim_ids[2]
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(claim_id))
    panel_at(page, claim_id)
    press(page, "o")
    note = page.get_by_label("Note")
    expect(note).to_be_focused()
    page.keyboard.type("j n 5 a d u ? k")
    expect(note).to_have_value("j n 5 a d u ? k")
    panel_at(page, claim_id)  # nothing moved
    expect(page.locator("#help")).to_be_hidden()
    press(page, "Escape", "j")  # Escape leaves the note; then the keys work again
    panel_at(page, demo.claim_ids[3])
    saved = wait_saved(page, claim_id, db, demo, status="draft")
    assert saved.note == "j n 5 a d u ? k"


def test_an_empty_claim_is_never_counted_done(roster, new_page, db):
    demo = roster
    claim_id = demo.claim_ids[7]
    db.execute(delete(Suggestion).where(Suggestion.claim_id == claim_id))
    db.commit()
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(claim_id))
    panel_at(page, claim_id)
    press(page, "d")
    expect(page.locator("#key-feedback")).to_contain_text("Nothing is set")
    press(page, "Control+Enter", "Enter")
    panel_at(page, claim_id)
    page.wait_for_timeout(300)
    assert mine(db, demo, claim_id) is None
    expect(page.locator("#progress")).to_contain_text("You have done 0 of")


def test_the_help_shows_the_keys_and_escape_closes_it(roster, new_page):
    page = new_page()
    log_in(page)
    page.goto(roster.annotate_path)
    press(page, "?")
    help_box = page.get_by_role("dialog", name="Keys")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("next claim")
    expect(help_box.locator("kbd", has_text="j")).to_be_visible()
    press(page, "j")  # keys do nothing behind the help
    panel_at(page, roster.claim_ids[0])
    press(page, "Escape")
    expect(help_box).to_be_hidden()
    page.get_by_role("button", name=re.compile("^Keys")).click()
    expect(help_box).to_be_visible()
    page.get_by_role("button", name="Close").click()
    expect(help_box).to_be_hidden()


def test_the_panel_fits_a_laptop_screen_and_stays_in_view(roster, browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page)
    for claim_id in (roster.claim_ids[2], roster.claim_ids[-1]):
        page.goto(roster.claim_path(claim_id))
        panel_at(page, claim_id)
        title = page.locator("#panel-title").bounding_box()
        done = page.locator("#save").bounding_box()
        assert title["y"] >= 0, "the panel's heading is above the window"
        assert done["y"] + done["height"] <= 768, f"Done is below the fold: {done}"
        assert page.evaluate("document.documentElement.scrollHeight") <= 768 + 2
    context.close()


def test_a_manager_splits_a_claim_by_selecting_text(roster, new_page, db):
    demo = roster
    claim = db.get(Claim, demo.claim_ids[2])
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(claim.id))
    panel_at(page, claim.id)
    words = "calling for expansion"
    at = claim.start + claim.text.index(words)
    page.evaluate(
        """([id, words]) => {
          const link = document.getElementById(`c${id}`);
          const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const i = n.data.indexOf(words);
            if (i >= 0 && !n.parentElement.closest('sup')) {
              const range = document.createRange();
              range.setStart(n, i); range.setEnd(n, i + words.length);
              const s = getSelection(); s.removeAllRanges(); s.addRange(range);
              link.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
              return;
            }
          }
          throw new Error('words not found');
        }""",
        [claim.id, "calling for"],
    )
    page.get_by_role("button", name="Split here").click()
    expect(page.locator(".flashes")).to_contain_text("Claim split in two")
    db.rollback()
    assert db.get(Claim, claim.id).end <= at
    second = db.scalar(select(Claim).where(Claim.article_id == claim.article_id, Claim.start == at))
    assert second is not None and second.text.startswith(words)


def test_a_managers_keys_are_the_ones_the_page_answers(roster, new_page, db):
    from workbench.ops.projects import set_project_keymap

    set_project_keymap(db, roster.project, "next: x\nverifiability: y", user=roster.user)
    db.commit()
    page = new_page()
    log_in(page)
    page.goto(roster.claim_path(roster.claim_ids[0]))
    panel_at(page, roster.claim_ids[0])
    press(page, "j")  # no longer a key: nothing happens
    page.wait_for_timeout(300)
    panel_at(page, roster.claim_ids[0])
    press(page, "x")
    panel_at(page, roster.claim_ids[1])
    expect(page.locator('fieldset[data-field="verifiability"] kbd.field-key')).to_have_text("y")
    press(page, "y", "3")
    expect(
        page.locator('#annotation-form input[name="verifiability"][value="prediction"]')
    ).to_be_checked()


def test_the_filter_chooses_the_claims_j_and_k_visit(roster, new_page, db):
    demo = roster
    ids = demo.claim_ids
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(ids[0]))
    panel_at(page, ids[0])
    press(page, "a")  # claim 1 done
    panel_at(page, ids[1])
    press(page, "e", "1")  # claim 2 a draft
    expect(page.locator("#save-state")).to_have_text("Draft saved (not done)")
    page.get_by_label("Move through").select_option("draft")
    page.locator("#panel-title").focus()
    press(page, "k")  # no draft before claim 2
    panel_at(page, ids[1])
    page.get_by_label("Move through").select_option("open")
    page.locator("#panel-title").focus()
    press(page, "k")  # claim 1 is done: skipped; claim 2 is the first not done
    panel_at(page, ids[1])
    press(page, "j")
    panel_at(page, ids[2])
    page.get_by_label("Move through").select_option("")
    page.locator("#panel-title").focus()
    press(page, "k", "k")
    panel_at(page, ids[0])


def test_a_manager_trims_a_claim_to_the_selection(roster, new_page, db):
    demo = roster
    claim = db.get(Claim, demo.claim_ids[2])
    words = "Baqeri highlighted the role of Iran and Iraq"
    start = claim.start + claim.text.index(words)
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(claim.id))
    panel_at(page, claim.id)
    page.evaluate(
        """([id, words]) => {
          const link = document.getElementById(`c${id}`);
          const text = [];
          const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            if (!n.parentElement.closest('sup')) text.push(n);
          }
          // The words may cross evidence marks: find them across the text nodes.
          let all = '', at = [];
          for (const n of text) { at.push([n, all.length]); all += n.data; }
          const from = all.indexOf(words), to = from + words.length;
          const place = (offset) => {
            for (let i = at.length - 1; i >= 0; i--) {
              if (at[i][1] <= offset) return [at[i][0], offset - at[i][1]];
            }
          };
          const range = document.createRange();
          range.setStart(...place(from)); range.setEnd(...place(to));
          const s = getSelection(); s.removeAllRanges(); s.addRange(range);
          link.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        [claim.id, words],
    )
    page.get_by_role("button", name="Trim to the selection").click()
    expect(page.locator(".flashes")).to_contain_text("Claim boundaries changed")
    db.rollback()
    trimmed = db.get(Claim, claim.id)
    assert (trimmed.start, trimmed.end) == (start, start + len(words))


def test_leaving_with_a_save_not_done_asks_first(roster, new_page, db):
    """The network down (the API's requests fail): a change is not saved, and leaving
    the page asks first; once it is saved, leaving does not ask."""
    demo = roster
    page = new_page()
    log_in(page)
    page.goto(demo.claim_path(demo.claim_ids[4]))
    panel_at(page, demo.claim_ids[4])
    page.route("**/api/**", lambda route: route.abort())
    press(page, "e", "2")
    expect(page.locator("#save-state")).to_contain_text("Not saved")
    leaving = """() => {
      const event = new Event('beforeunload', {cancelable: true});
      window.dispatchEvent(event);
      return event.defaultPrevented;
    }"""
    assert page.evaluate(leaving) is True
    page.unroute("**/api/**")
    expect(page.locator("#save-state")).to_have_text("Draft saved (not done)", timeout=20_000)
    assert page.evaluate(leaving) is False
    assert stance_of(db, mine(db, demo, demo.claim_ids[4])) == "against"


def test_on_a_tablet_the_panel_comes_under_the_text_and_the_keys_work(roster, browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 800, "height": 1280})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page)
    page.goto(roster.claim_path(roster.claim_ids[2]))
    panel_at(page, roster.claim_ids[2])
    text_box = page.locator("#article-text").bounding_box()
    panel_box = page.locator("#claim-form").bounding_box()
    assert panel_box["y"] >= text_box["y"] + text_box["height"] - 1, (
        "the panel is not under the text"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 800, "the page scrolls sideways"
    press(page, "j")
    panel_at(page, roster.claim_ids[3])
    context.close()


def test_a_run_of_keys_past_the_claims_loaded_ends_where_it_should(roster, new_page, db):
    """Sixty j pressed at once from the first claim of a long article: the claims past
    the window load on the way, and every key counts, once."""
    from tests.bulk import make_long_article
    from workbench.ops.claims import active_claims

    article = make_long_article(db, roster.project, 200)
    db.commit()
    ids = [c.id for c in active_claims(db, article)]
    page = new_page()
    log_in(page)
    page.goto(f"/projects/{roster.project.id}/articles/{article.id}/annotate?claim={ids[0]}")
    panel_at(page, ids[0])
    for _ in range(60):
        page.keyboard.press("j")
    expect(page.locator("#panel")).to_have_attribute("data-claim-id", str(ids[60]), timeout=30_000)
    page.wait_for_timeout(500)
    panel_at(page, ids[60])
