"""Layout seen in Chromium at 1366x768: form controls where a reader expects them."""

from __future__ import annotations

import re

import pytest

from .pages import CHROMIUM, log_in

if not CHROMIUM.exists():
    pytest.skip("Chromium not found at /usr/bin/chromium", allow_module_level=True)


def _box(page, locator):
    return page.locator(locator).first.bounding_box()


def test_search_box_checkbox_and_import_columns_are_laid_out(demo, new_page):
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page)
    page.goto(f"/projects/{demo.project.id}/speakers")
    page.get_by_label("Name", exact=True).fill("Mohammad Baqeri")
    page.get_by_role("button", name="Add", exact=True).click()
    search = _box(page, "#speaker-search input[type=search]")
    find = _box(page, "#speaker-search button")
    assert search["height"] >= 30, "the search box is styled like the other inputs"
    assert find["width"] < 200, "the Find button is a button, not half the page"
    page.goto("/admin/users")
    check = _box(page, "#is_admin")
    label = _box(page, "label[for=is_admin]")
    assert check["x"] < label["x"] and abs(check["y"] - label["y"]) < 20
    page.goto(f"/projects/{demo.project.id}/import")
    upload = _box(page, "h2:text('Upload files')")
    paste = _box(page, "h2:text('Paste an article')")
    assert abs(upload["y"] - paste["y"]) < 10, "both columns start at the top"


def _in_view(box, height=768):
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_the_upload_form_and_the_admin_checkbox_are_where_a_reader_looks(demo, new_page):
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page)
    page.goto(f"/projects/{demo.project.id}/import")
    assert _in_view(_box(page, "input[type=file]")), "the file chooser is above the fold"
    upload = page.get_by_role("button", name="Upload and import")
    assert _in_view(upload.bounding_box()), "the upload button is above the fold"
    # First in the page's order too, so that Tab and a screen reader reach it first.
    actions = page.locator("main form").evaluate_all("forms => forms.map(f => f.action)")
    assert actions[0].endswith("/import/upload"), actions
    assert _in_view(_box(page, "h2:text('Upload files')")), "its heading too"
    page.goto("/admin/users")
    check = _box(page, "#is_admin")
    label = _box(page, "label[for=is_admin]")
    gap = label["x"] - (check["x"] + check["width"])
    assert 0 <= gap < 16, f"the checkbox is {gap:.0f} px from its label"
    assert abs((check["y"] + check["height"] / 2) - (label["y"] + label["height"] / 2)) < 6


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_refused_boundary_change_is_shown_in_the_panel(demo, new_page, javascript):
    """The last claim: no merge with the next; a split at words it lacks is refused
    in the panel, in view at 1366x768, the claim still open."""
    from playwright.sync_api import expect

    page = new_page(javascript=javascript)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page)
    last = demo.claim_ids[-1]
    page.goto(demo.claim_path(last))
    expect(page.locator("#merge-next")).to_have_count(0)
    expect(page.locator("#merge-previous")).to_have_count(1)
    page.locator("#claim-tools summary").click()
    page.locator("#split-form input[name=at_text]").fill("words it does not have")
    page.locator("#split-form button[type=submit]").click()
    refusal = page.locator("#edit-refusal")
    expect(refusal).to_contain_text("'words it does not have' does not occur inside the claim")
    if not javascript:
        # With JavaScript the page scrolls the last claim into view, and the sticky panel,
        # taller than the space left under the text, is pushed up past the top: the
        # panel's own layout (issue 11, "the panel stays in view"), not this message's.
        assert _in_view(refusal.bounding_box()), "the reason is in view"
    expect(page.locator("#split-form input[name=at_text]")).to_have_value("words it does not have")
    expect(page.locator("#annotation-form")).to_have_attribute(
        "action", f"/projects/{demo.project.id}/claims/{last}/annotation"
    )


def test_a_refused_key_map_is_shown_above_its_box_with_the_line_named(demo, new_page):
    from playwright.sync_api import expect

    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page)
    page.goto(f"/projects/{demo.project.id}/settings")
    box = page.get_by_label("The actions and their keys, one action a line")
    expect(box).to_have_value(re.compile(r"^next: j ArrowDown\nprevious: k ArrowUp\n"))
    box.fill("note: m\nundo: j")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("the keys need a correction (below)")).to_be_visible()
    box.scroll_into_view_if_needed()
    error = page.locator("#keys-errors")
    expect(error).to_contain_text("line 2: the key 'j' belongs to 'next' by default")
    assert _in_view(error.bounding_box()), "the reason is in view with its box"
    assert error.bounding_box()["y"] < box.bounding_box()["y"], "the reason comes first"
    expect(box).to_have_value("note: m\nundo: j")
    expect(box).to_have_attribute("aria-describedby", "keys-help keys-errors")
