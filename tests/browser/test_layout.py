"""Layout seen in Chromium at 1366x768: form controls where a reader expects them."""

from __future__ import annotations

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
