"""Helpers shared by the browser tests and their fixtures (no fixtures here)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000

ANNOTATED = re.compile(r"(^|\s)annotated(\s|$)")
SELECTED = re.compile(r"(^|\s)selected(\s|$)")


def log_in(page, username: str = "admin", password: str = PASSWORD) -> None:
    """Log in through the login form and wait until the page shows the user logged in."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def at_claim(claim_id: int) -> re.Pattern[str]:
    """Return a URL pattern for the annotate page with ``claim_id`` selected."""
    return re.compile(rf"/annotate\?claim={claim_id}(#claim-form)?$")


def group(page, legend: str):
    """Return the radio group (a fieldset) whose legend starts with ``legend``."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}"))


def choice(page, legend: str, label: str):
    """Return the radio of the label value ``label`` (shown by its human name:
    ``not_a_claim`` as "Not a claim") in the group ``legend``."""
    from workbench.labels import label_name

    return group(page, legend).get_by_role("radio", name=label_name(label), exact=True)
