"""Merge chains with a cycle, written straight into the database (as a restore from
before restore checked them could leave): every page that follows a merge answers
with a clear error, never a hang or a redirect loop.

Each request runs in a thread that the test waits for a bounded time, so a loop
fails the test instead of hanging it.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from tests.web.web_helpers import add_article, add_speaker, page_text, read
from workbench.models import Claim, Speaker

# Far longer than any of these requests takes; only a request that loops reaches it.
PATIENCE = 60


def answered(request):
    """Run ``request()`` in a thread; return its response, failing if it never returns."""
    outcome = {}

    def run():
        try:
            outcome["response"] = request()
        except BaseException as exc:  # reported below, in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(PATIENCE)
    assert not thread.is_alive(), "the request loops: it did not return"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


@pytest.fixture
def cyclic(db, team):
    """A project with an article and three speakers: 'Loop' merged into itself,
    'Ping' and 'Pong' into each other, and claims 2 and 3 merged into each other."""
    project = team["project"]
    article, claims = add_article(db, project)
    loop = add_speaker(db, project, "Loop")
    ping = add_speaker(db, project, "Ping")
    pong = add_speaker(db, project, "Pong")
    db.flush()
    db.execute(update(Speaker).where(Speaker.id == loop.id).values(merged_into_id=loop.id))
    db.execute(update(Speaker).where(Speaker.id == ping.id).values(merged_into_id=pong.id))
    db.execute(update(Speaker).where(Speaker.id == pong.id).values(merged_into_id=ping.id))
    for claim, into in ((claims[1], claims[1]), (claims[2], claims[3]), (claims[3], claims[2])):
        db.execute(
            update(Claim).where(Claim.id == claim.id).values(state="merged", merged_into_id=into.id)
        )
    db.commit()
    pid = project.id
    return {
        "pid": pid,
        "target_id": project.targets[0].id,
        "page": f"/projects/{pid}/articles/{article.id}/annotate",
        "claims": claims,
        "speakers": {"Loop": loop.id, "Ping": ping.id, "Pong": pong.id},
    }


def _save(web, cyclic, **values):
    fields = {
        "base_version": "",
        "speaker": "",
        "new_speaker_name": "",
        "new_speaker_type": "person",
        "new_speaker_title": "",
        "via": "",
        "new_via_name": "",
        "new_via_type": "organization",
        "attribution": "",
        "verifiability": "",
        "note": "",
        f"stance_{cyclic['target_id']}": "",
        **values,
    }
    url = f"/projects/{cyclic['pid']}/claims/{cyclic['claims'][0].id}/annotation"
    return answered(lambda: web.post(url, fields))


def _says_cycle(response, name_or_id):
    body = page_text(read(response))
    assert response.status_code == 409, body[:500]
    assert "merged in a cycle" in body, body[:500]
    assert str(name_or_id) in body


@pytest.mark.parametrize("name", ["Loop", "Ping", "Pong"])
def test_typing_a_cyclic_speakers_name_on_the_speakers_page_is_a_clear_error(web, cyclic, name):
    web.login("mona")
    url = f"/projects/{cyclic['pid']}/speakers"
    response = answered(lambda: web.post(url, {"name": name, "type": "person"}))
    _says_cycle(response, "speaker")


@pytest.mark.parametrize("name", ["Loop", "Pong"])
def test_adding_a_cyclic_speaker_on_the_annotate_page_is_a_clear_error(web, cyclic, name):
    web.login("ann")
    _says_cycle(_save(web, cyclic, new_speaker_name=name), "speaker")


@pytest.mark.parametrize("name", ["Loop", "Ping"])
def test_saving_an_annotation_naming_a_cyclic_speaker_is_a_clear_error(web, cyclic, name):
    web.login("ann")
    response = _save(web, cyclic, speaker=str(cyclic["speakers"][name]))
    _says_cycle(response, cyclic["speakers"][name])


@pytest.mark.parametrize("index", [1, 2])
def test_the_annotate_url_of_a_claim_merged_in_a_cycle_is_a_clear_error(web, cyclic, index):
    """Claim 2 is merged into itself, 3 and 4 into each other: the page says so
    instead of redirecting to itself until the browser gives up."""
    web.login("ann")
    claim_id = cyclic["claims"][index].id
    url = f"{cyclic['page']}?claim={claim_id}"
    for _ in range(5):
        response = answered(lambda url=url: web.get(url))
        if response.status_code != 302:
            break
        url = response.location
    _says_cycle(response, claim_id)
