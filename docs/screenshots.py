"""Make the screenshots of docs/annotating.md and the README (docs/images/*.png).

    python docs/screenshots.py

The demo project on a fresh SQLite database in a temporary folder, its article's roster
added to the registry (so that the suggestions name registry speakers), served on
loopback and shown in Debian's Chromium at 1366x768: the annotate page with a claim's
suggestions and their evidence, the speaker picker searching the registry, the keys'
help, and two tabs' conflict on one claim.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from workbench.app import create_app  # noqa: E402
from workbench.db import make_engine  # noqa: E402
from workbench.models import Article  # noqa: E402
from workbench.ops.claims import active_claims  # noqa: E402
from workbench.ops.demo import seed_demo  # noqa: E402
from workbench.ops.suggestions import add_roster  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

OUT = ROOT / "docs" / "images"
PASSWORD = "screenshots-password"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="screenshots-"))
    url = f"sqlite:///{tmp}/wb.db"
    upgrade(make_engine(url))
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "shots"}
    )
    session = app.extensions["workbench.sessions"]()
    user = create_user(session, "admin", PASSWORD, is_admin=True)
    project, _ = seed_demo(session, manager=user)
    article = session.scalars(select(Article).where(Article.project_id == project.id)).one()
    add_roster(session, article, user=user)
    session.commit()
    ids = [c.id for c in active_claims(session, article)]
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    path = f"/projects/{project.id}/articles/{article.id}/annotate"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_selector("text=Log out")
        # The first two claims done, the third open with its suggestions and evidence.
        page.goto(f"{path}?claim={ids[0]}")
        page.keyboard.press("a")
        page.wait_for_selector(f'#panel[data-claim-id="{ids[1]}"]')
        page.keyboard.press("a")
        page.wait_for_selector(f'#panel[data-claim-id="{ids[2]}"]')
        page.keyboard.press("e")
        page.keyboard.press("1")
        expect(page.locator("#save-state")).to_have_text("Draft saved (not done)")
        page.mouse.move(0, 0)
        page.screenshot(path=str(OUT / "annotate.png"))
        # The speaker picker.
        page.keyboard.press("Escape")
        page.locator("#panel-title").focus()
        page.keyboard.press("s")
        page.keyboard.type("iran")
        page.wait_for_timeout(400)
        page.screenshot(path=str(OUT / "picker.png"))
        page.keyboard.press("Escape")
        # The keys' help.
        page.keyboard.press("?")
        page.screenshot(path=str(OUT / "help.png"))
        page.keyboard.press("Escape")
        # Two tabs on one claim.
        other = context.new_page()
        other.goto(f"{path}?claim={ids[5]}")
        page.goto(f"{path}?claim={ids[5]}")
        other.keyboard.press("e")
        other.keyboard.press("1")
        expect(other.locator("#save-state")).to_have_text("Draft saved (not done)")
        page.keyboard.press("e")
        page.keyboard.press("2")
        expect(page.locator("#conflict-view")).to_be_visible()
        page.locator("#conflict-view").scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "conflict.png"))
        browser.close()
    httpd.shutdown()
    for name in ("annotate", "picker", "help", "conflict"):
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
