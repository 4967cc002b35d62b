"""An upload that takes a while, in a real Chromium: its progress, then its report."""

from __future__ import annotations

import json
import re
import threading

import pytest
from playwright.sync_api import expect

import workbench.ops.articles as articles_ops

from .pages import CHROMIUM, log_in

if not CHROMIUM.exists():
    pytest.skip("Chromium not found at /usr/bin/chromium", allow_module_level=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_upload_shows_its_progress_then_its_report(app, demo, new_page, monkeypatch, javascript):
    app.config["WORKBENCH"]["IMPORT_WAIT_SECONDS"] = 0  # go to the progress page at once
    monkeypatch.setattr(articles_ops, "IMPORT_BATCH", 1)
    gates = {2: threading.Event(), 3: threading.Event()}
    real = articles_ops.split_text
    calls: list[int] = []

    def split_when_allowed(text, **kwargs):
        calls.append(1)
        gate = gates.get(len(calls))
        if gate is not None:
            gate.wait(30)
        return real(text, **kwargs)

    monkeypatch.setattr(articles_ops, "split_text", split_when_allowed)
    lines = "".join(
        json.dumps({"text": f"Uploaded article {n}. It has two claims."}) + "\n"
        for n in range(1, 4)
    )
    page = new_page(javascript=javascript)
    try:
        log_in(page)
        page.goto(f"/projects/{demo.project.id}/import")
        page.get_by_label("Files").set_input_files(
            {"name": "three.jsonl", "mimeType": "application/json", "buffer": lines.encode()}
        )
        page.get_by_role("button", name="Upload and import").click()
        expect(page).to_have_url(re.compile(rf"/projects/{demo.project.id}/imports/\d+$"))
        expect(page.get_by_role("heading", name="Importing")).to_be_visible()
        expect(page.get_by_text("1 of 3 items done")).to_be_visible()
        gates[2].set()  # the second article is stored; the page follows
        expect(page.get_by_text("2 of 3 items done")).to_be_visible()
        gates[3].set()
        expect(page.get_by_role("heading", name="Import report")).to_be_visible()
    finally:
        for gate in gates.values():
            gate.set()
    expect(page.get_by_text("3 imported, 0 skipped as duplicates, 0 rejected.")).to_be_visible()
    expect(page.locator("table.report tbody tr")).to_have_count(3)
