"""The keyboard-first annotate page, measured in Debian's Chromium (issue 11).

    python bench/ui.py                 # everything below, on SQLite in a temporary folder
    python bench/ui.py --saves 1000    # the number of autosaves timed on the server

Prints:

1. A scripted run over the seed article's first ten claims (its roster added to the
   registry first, so that the suggestions name registry speakers), keys only: the
   keys and clicks each claim cost, and the wall time in the browser from a key that
   moves to another claim to that claim's panel being shown (median and maximum).
   Two kinds of claim are counted apart: claims whose suggestions are all right
   (accepted with one key), and "typical" claims coded from an empty form (their
   suggestions removed): a registry speaker, attribution, one stance, verifiability.
2. An article of 1,000 claims (the seed article's text repeated, imported and
   suggested as any import): the server time of its annotate page (median of 20,
   from a test client) and, in the browser, the time from the start of navigation
   until the page answers a key (a "j" pressed as soon as the page is there, until the
   next claim's panel is shown).
3. The server time of an autosave (bench/autosave.py: the page's draft save through
   the JSON API, median and 95th percentile over --saves saves from a test client).

The server is the app on loopback in a thread (werkzeug, as the browser tests run it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import cpu_name  # noqa: E402
from sqlalchemy import delete, select  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from workbench.app import create_app  # noqa: E402
from workbench.db import make_engine  # noqa: E402
from workbench.importing import ArticleDraft  # noqa: E402
from workbench.models import Annotation, Article, Suggestion  # noqa: E402
from workbench.ops.articles import import_items  # noqa: E402
from workbench.ops.claims import active_claims  # noqa: E402
from workbench.ops.demo import seed_demo  # noqa: E402
from workbench.ops.suggestions import add_roster  # noqa: E402
from workbench.ops.users import create_user  # noqa: E402
from workbench.schema import upgrade  # noqa: E402

PASSWORD = "bench-ui-password"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Per claim: the keys pressed. "accept": the suggestions are right; "typical": an
# empty form, a speaker of the article by its digit, attribution, stance,
# verifiability (each digit moves on to the next field), done.
PLAN = [
    ("accept", ["a"]),
    ("accept", ["a"]),
    ("typical", ["2", "2", "1", "2", "d"]),
    ("accept", ["a"]),
    ("typical", ["3", "1", "2", "1", "d"]),
    ("accept", ["a"]),
    ("typical", ["1", "2", "4", "1", "d"]),
    ("accept", ["a"]),
    ("typical", ["2", "1", "1", "2", "d"]),
    ("accept", ["a"]),
]

# In the page: the time from each key that is pressed to the panel of another claim
# being in place (a mutation observer on the panel's holder).
INSTRUMENT = """
(() => {
  window.__moves = [];
  let pressed = null;
  document.addEventListener('keydown', () => { pressed = performance.now(); }, true);
  const aside = document.getElementById('claim-form');
  let shown = document.getElementById('panel').dataset.claimId;
  new MutationObserver(() => {
    const now = document.getElementById('panel');
    if (now && now.dataset.claimId !== shown) {
      shown = now.dataset.claimId;
      if (pressed !== null) window.__moves.push(performance.now() - pressed);
      pressed = null;
    }
  }).observe(aside, {childList: true});
})();
"""


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def serve(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_port}"


def log_in(page):
    page.goto("/login")
    page.get_by_label("Username").fill("bench")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("text=Log out")


def long_article_text(seed_text: str, claims_wanted: int, per_copy: int) -> str:
    copies = -(-claims_wanted // per_copy)
    return "\n\n".join(seed_text for _ in range(copies))


def run(saves: int) -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    url = f"sqlite:///{tmp}/wb.db"
    upgrade(make_engine(url))
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": "bench"}
    )
    session = app.extensions["workbench.sessions"]()
    user = create_user(session, "bench", PASSWORD, is_admin=True)
    project, _ = seed_demo(session, manager=user)
    article = session.scalars(select(Article).where(Article.project_id == project.id)).one()
    add_roster(session, article, user=user)
    ids = [c.id for c in active_claims(session, article)]
    typical = [ids[i] for i, (kind, _) in enumerate(PLAN) if kind == "typical"]
    session.execute(delete(Suggestion).where(Suggestion.claim_id.in_(typical)))
    session.commit()

    # The 1,000-claim article: the seed's text repeated, imported like any other.
    per_copy = len(ids)
    text = long_article_text(article.text, 1000, per_copy)
    import_items(
        session,
        project,
        [ArticleDraft(text=text, title="One thousand claims", outlet=article.outlet)],
        user=user,
    )
    session.commit()
    big = session.scalars(
        select(Article).where(Article.project_id == project.id, Article.id != article.id)
    ).one()
    big_claims = len(active_claims(session, big))

    httpd, base = serve(app)
    path = f"/projects/{project.id}/articles/{article.id}/annotate"
    big_path = f"/projects/{project.id}/articles/{big.id}/annotate"
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 768})
            page = context.new_page()
            log_in(page)
            page.goto(path)
            page.wait_for_load_state("networkidle")
            page.evaluate(INSTRUMENT)
            keys = {"accept": [], "typical": []}
            for claim_id, (kind, plan) in zip(ids[:10], PLAN, strict=True):
                page.wait_for_selector(f'#panel[data-claim-id="{claim_id}"]')
                page.wait_for_timeout(150)  # as a person would: the next panel is fetched ahead
                for key in plan:
                    page.keyboard.press(key)
                keys[kind].append(len(plan))
            page.wait_for_selector(f'#panel[data-claim-id="{ids[10]}"]')
            for _ in range(100):
                saved = session.scalars(
                    select(Annotation).where(
                        Annotation.claim_id.in_(ids[:10]), Annotation.status == "submitted"
                    )
                ).all()
                session.rollback()
                if len(saved) == 10:
                    break
                time.sleep(0.1)
            moves = page.evaluate("window.__moves")
            print("\n1. Ten claims of the seed article, keys only (no clicks):")
            for kind in ("accept", "typical"):
                print(
                    f"   {kind:8} claims: {len(keys[kind])}, keys per claim {max(keys[kind])} "
                    f"(all {sum(keys[kind])}), clicks 0"
                )
            print(f"   saved as done: {len(saved)} of 10")
            print(
                f"   key to the next claim shown: median {statistics.median(moves):.1f} ms, "
                f"max {max(moves):.1f} ms over {len(moves)} moves"
            )

            # 2. The 1,000-claim article.
            # The browser's session, in a test client (no network in the server time).
            client = app.test_client()
            name = app.config.get("SESSION_COOKIE_NAME", "session")
            for cookie in context.cookies():
                if cookie["name"] == name:
                    client.set_cookie(name, cookie["value"], domain="localhost")
            times = []
            for _ in range(21):
                t0 = time.perf_counter()
                response = client.get(big_path)
                assert response.status_code == 200, response.status_code
                times.append(time.perf_counter() - t0)
            times = times[1:]
            answered = []
            for _ in range(5):
                page.goto(big_path, wait_until="commit")
                first = None
                for _ in range(400):
                    found = page.evaluate("document.getElementById('panel')?.dataset.claimId")
                    if found:
                        first = found
                        break
                    page.wait_for_timeout(5)
                for _ in range(400):
                    page.keyboard.press("j")
                    now = page.evaluate(
                        "[document.getElementById('panel')?.dataset.claimId, performance.now()]"
                    )
                    if now[0] and now[0] != first:
                        answered.append(now[1])
                        break
                    page.wait_for_timeout(5)
            print(f"\n2. An article of {big_claims} claims:")
            print(
                f"   server time of its annotate page: median "
                f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
                f"(20 requests)"
            )
            print(
                f"   from navigation to a key answered (next claim shown): median "
                f"{statistics.median(answered):.0f} ms, max {max(answered):.0f} ms (5 loads)"
            )
            browser.close()
    finally:
        httpd.shutdown()

    try:
        from autosave import autosave_server_times
    except ImportError:
        print("\n3. Autosave: bench/autosave.py is missing")
        return

    seconds = autosave_server_times(saves)
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(f"\n3. Autosave, server time over {len(ms)} saves (bench/autosave.py):")
    print(f"   median {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms")
    print(json.dumps({"keys": keys, "moves_ms": [round(m, 1) for m in moves]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=1000)
    args = parser.parse_args()
    run(args.saves)


if __name__ == "__main__":
    main()
