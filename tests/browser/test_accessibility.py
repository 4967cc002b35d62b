"""An automated accessibility check: axe-core (vendored, see vendor/axe-core/README.md)
run in Chromium on the login, project, annotate, import and export pages; any violation
of impact serious or critical fails the test, listed with the elements it was found on.

axe is served to the page from the page's own origin by a Playwright route (never by the
app), so the page runs under its real Content-Security-Policy (``script-src 'self'``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from workbench.models import Annotation, Claim, Suggestion
from workbench.ops.claims import trim_claim
from workbench.ops.suggestions import refresh_article

from .pages import CHROMIUM, log_in

if not CHROMIUM.exists():
    pytest.skip(
        "Chromium not found at /usr/bin/chromium (install Debian's chromium package to run the "
        "browser tests; `playwright install` is not used)",
        allow_module_level=True,
    )

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_PATH = "/__test-only__/axe.min.js"
FAILING = ("serious", "critical")


def _serve_axe(page, base_url: str) -> None:
    page.route(
        f"{base_url}{AXE_PATH}",
        lambda route: route.fulfill(path=AXE, content_type="text/javascript"),
    )


def _violations(page) -> list[dict]:
    """Inject axe into the page as it is now and return its serious and critical
    violations, each {id, impact, help, nodes: [{target, summary}]}."""
    page.add_script_tag(url=AXE_PATH)
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }"""
    )
    return [v for v in found if v["impact"] in FAILING]


def _report(problems: list[tuple[str, dict]]) -> str:
    """The violations found, each with the page it was on and the elements it names."""
    lines = [f"{len(problems)} serious or critical axe violation(s):"]
    for where, v in problems:
        lines.append(f"- {where}: {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {json.dumps(node['target'])}: {summary}")
    return "\n".join(lines)


@pytest.fixture
def suggested_claim(demo, db):
    """Run the suggester over the demo article; return the id of the claim whose
    suggestions carry the most evidence (the annotate page then shows "suggested"
    badges and evidence marks)."""
    refresh_article(db, demo.article)
    db.commit()
    evidence: dict[int, int] = {}
    for s in db.scalars(select(Suggestion).where(Suggestion.claim_id.in_(demo.claim_ids))):
        evidence[s.claim_id] = evidence.get(s.claim_id, 0) + len(s.evidence.get("items", ()))
    assert evidence and max(evidence.values()) > 0, "the suggester gives evidence somewhere"
    return max(evidence, key=evidence.get)


def _open_pages(page, demo, db, claim_id: int):
    """Walk the pages checked, logging in on the way; yield (name, page) at each, the
    page as a reader sees it (the annotate page with its suggestion's badges and
    evidence marks, then after accepting it: a saved claim and a message, then after a
    boundary change flagged the saved claim)."""
    page.goto("/login")
    yield "login", page
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash.error, .error").first).to_be_visible()
    page.wait_for_load_state()  # a click waits for the response, not the stylesheet
    yield "login, refused", page
    log_in(page)
    page.goto(f"/projects/{demo.project.id}")
    yield "project", page
    page.goto(demo.claim_path(claim_id))
    expect(page.locator(".suggested-badge").first).to_be_visible()
    expect(page.locator("mark.evidence").first).to_be_visible()
    yield "annotate", page
    scripted = page.locator("#help-button").is_visible()
    if scripted:
        page.keyboard.press("?")
        expect(page.get_by_role("dialog", name="Keys")).to_be_visible()
        yield "annotate, the keys' help", page
        page.keyboard.press("Escape")
        page.locator(".picker-open").first.click()
        page.locator(".picker-search input").first.fill("a")
        expect(page.locator(".picker-list li").first).to_be_visible()
        yield "annotate, the speaker picker", page
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Codebook").click()
        yield "annotate, the codebook", page
        page.keyboard.press("Escape")
    page.get_by_role("button", name=re.compile("^Accept suggestions")).click()
    expect(page.locator(f"#c{claim_id}.annotated")).to_be_visible()
    if not scripted:
        expect(page.locator(".flashes")).to_contain_text("Saved claim")
    page.wait_for_load_state()
    yield "annotate, saved", page
    for _ in range(100):  # a save in the background: until the server has it
        db.rollback()  # the server committed since
        if db.scalar(select(Annotation.id).where(Annotation.claim_id == claim_id)):
            break
        page.wait_for_timeout(100)
    claim = db.get(Claim, claim_id)
    trim_claim(db, claim, claim.start, claim.end - 1, user=demo.user)
    db.commit()
    page.goto(demo.claim_path(claim_id))
    expect(page.locator(f"#c{claim_id}.span-changed")).to_be_visible()
    yield "annotate, boundaries changed since saved", page
    page.goto(f"/projects/{demo.project.id}/import")
    yield "import", page
    page.goto(f"/projects/{demo.project.id}/export")
    yield "export", page
    # Team review (issue 12): the manager's and the reviewers' pages.
    for name, path in (
        ("assignments", "assignments"),
        ("progress", "progress"),
        ("agreement", "agreement"),
        ("adjudication", "adjudication"),
        ("annotation import", "annotations/import"),
    ):
        page.goto(f"/projects/{demo.project.id}/{path}")
        yield name, page


def _scripted(new_page, server, javascript: bool):
    """A page that can run axe; without ``javascript`` the app's own scripts are
    refused, so the page is the one a reader without JavaScript gets."""
    page = new_page(javascript=True)
    _serve_axe(page, server.url)
    if not javascript:
        page.route("**/static/js/*", lambda route: route.abort())
    return page


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_no_serious_or_critical_violations(demo, db, suggested_claim, new_page, server, javascript):
    page = _scripted(new_page, server, javascript)
    problems = []
    for name, at in _open_pages(page, demo, db, suggested_claim):
        problems += [(name, v) for v in _violations(at)]
    assert not problems, _report(problems)


def test_the_check_reports_a_violation(demo, new_page, server):
    page = _scripted(new_page, server, True)
    page.goto("/login")
    page.evaluate("document.querySelector('label[for=username]').remove()")
    found = _violations(page)
    assert [(v["id"], v["nodes"][0]["target"]) for v in found] == [("label", ["#username"])]


def _unringed_on_tab(page, limit: int = 400) -> list[str]:
    """Tab through the page, round to where it started; return a description of each
    element that took focus without a visible outline (solid or the like, at least
    2px wide)."""
    seen: list[int] = []
    bad: list[str] = []
    outside = 0
    for _ in range(limit):
        page.keyboard.press("Tab")
        got = page.evaluate(
            """() => {
                const e = document.activeElement;
                if (!e || e === document.body) return null;
                const s = getComputedStyle(e);
                const key = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.name ? '[name=' + e.name + ']' : '')
                    + (e.value && e.type === 'radio' ? '[value=' + e.value + ']' : '')
                    + (e.getAttribute('href') ? '[href=' + e.getAttribute('href') + ']' : '')
                    + ' "' + (e.innerText || e.value || '').trim().slice(0, 30) + '"';
                const order = window.__tabOrder = window.__tabOrder || new Map();
                if (!order.has(e)) order.set(e, order.size);
                return {key, n: order.get(e), visible: e.matches(':focus-visible'),
                        style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
            }"""
        )
        if got is None:
            # Past the last element (or before the first): the next Tab wraps round.
            outside += 1
            if outside > 2:
                break
            continue
        if got["n"] in seen:
            break
        seen.append(got["n"])
        if not (got["visible"] and got["style"] not in ("none", "hidden") and got["width"] >= 2):
            bad.append(f"{got['key']}: outline {got['style']} {got['width']}px")
    assert seen, "Tab reached no element"
    return bad


def test_focus_is_visible_on_every_element_tab_reaches(demo, db, suggested_claim, new_page, server):
    page = _scripted(new_page, server, True)
    bad = []
    for name, at in _open_pages(page, demo, db, suggested_claim):
        bad += [f"{name}: {b}" for b in _unringed_on_tab(at)]
    assert not bad, "no visible focus outline on:\n" + "\n".join(bad)


def _luminance(rgb: str) -> float:
    def channel(value: str) -> float:
        c = int(value) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[rgb.index("(") + 1 : -1].split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# What identifies a control or a state without text (WCAG 1.4.11, 3:1): the edge of a
# text field, the underline of an evidence mark (a border, or a wavy text decoration)
# or of a saved claim, a badge's border.
EDGES = {
    "input[type=text], input[type=search], textarea, select": "borderTopColor",
    "mark.evidence": "borderBottomColor",
    ".claim.annotated": "borderBottomColor",
    ".suggested-badge": "borderTopColor",
}


def test_edges_of_controls_and_marks_have_3_to_1_contrast(
    demo, db, suggested_claim, new_page, server
):
    page = _scripted(new_page, server, True)
    low = []
    checked = set()
    for name, at in _open_pages(page, demo, db, suggested_claim):
        for selector, prop in EDGES.items():
            found = at.eval_on_selector_all(
                selector,
                """(els, prop) => els.filter(e => e.offsetParent !== null).map(e => {
                    const back = el => {
                        for (; el; el = el.parentElement) {
                            const c = getComputedStyle(el).backgroundColor;
                            if (c !== 'rgba(0, 0, 0, 0)') return c;
                        }
                        return 'rgb(255, 255, 255)';
                    };
                    const s = getComputedStyle(e);
                    const drawn = s[prop.replace('Color', 'Style')] !== 'none';
                    const edge = drawn ? s[prop] : s.textDecorationColor;
                    return {what: e.outerHTML.slice(0, 60), edge,
                            inside: back(e), outside: back(e.parentElement)};
                })""",
                prop,
            )
            for item in found:
                checked.add(selector)
                ratio = min(_contrast(item["edge"], item[s]) for s in ("inside", "outside"))
                if ratio < 3:
                    low.append(f"{name}: {item['what']} {item['edge']} {ratio:.2f}:1")
    assert checked == set(EDGES), "every kind of edge was on some page"
    assert not low, "edges below 3:1:\n" + "\n".join(sorted(set(low)))
