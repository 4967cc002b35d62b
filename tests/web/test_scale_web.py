"""Big articles and projects still open: no query grows its parameter list with the
data, and the pages that list what grows are windows or pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from tests.bulk import (
    make_articles,
    make_history,
    make_long_article,
    make_speakers,
    upstream_parameter_limit,
)
from tests.web.web_helpers import fresh, page_text, progress, read
from workbench.models import Claim, Speaker


@pytest.fixture
def upstream_sqlite_limit(app):
    with upstream_parameter_limit(app.extensions["workbench.engine"]) as limit:
        yield limit


def test_an_article_with_more_claims_than_the_parameter_limit_opens(
    web, db, team, upstream_sqlite_limit
):
    many = upstream_sqlite_limit + 5_000
    project = team["project"]
    article = make_long_article(db, project, many)
    db.commit()
    web.login("ann")
    page = f"/projects/{project.id}/articles/{article.id}/annotate"
    response = web.get(page)
    body = read(response)
    assert response.status_code == 200, page_text(body)[:300]
    assert progress(body) == (0, many)
    assert f"Claim 1 of {many}" in page_text(body)
    last = db.scalar(select(Claim.id).where(Claim.article_id == article.id, Claim.position == many))
    response = web.get(f"{page}?claim={last}")
    body = read(response)
    assert response.status_code == 200
    assert re.search(rf'id="c{last}"[^>]*class="claim[^"]*selected', body)
    assert f"Claim {many} of {many}" in page_text(body)


@pytest.fixture
def long_article(db, team):
    project = team["project"]
    article = make_long_article(db, project, 500)
    db.commit()
    ids = list(
        db.scalars(select(Claim.id).where(Claim.article_id == article.id).order_by(Claim.position))
    )
    return {
        "page": f"/projects/{project.id}/articles/{article.id}/annotate",
        "pid": project.id,
        "aid": article.id,
        "ids": ids,
    }


def _shown(body: str) -> list[int]:
    return [int(x) for x in re.findall(r'<a id="c(\d+)"', body)]


def test_only_the_claims_near_the_selected_one_are_on_the_page(web, long_article):
    web.login("ann")
    ids, page = long_article["ids"], long_article["page"]
    body = read(web.get(f"{page}?claim={ids[250]}"))
    assert _shown(body) == ids[210:291]
    assert progress(body) == (0, 500)
    assert "Claim 251 of 500" in page_text(body)
    # without JavaScript: links to the claims before and after, and a jump by number
    earlier = re.search(r'class="more-claims more-earlier" href="([^"]+)"', body).group(1)
    later = re.search(r'class="more-claims more-later" href="([^"]+)"', body).group(1)
    assert _shown(read(web.get(earlier.replace("&amp;", "&"))))[-1] == ids[249]
    assert _shown(read(web.get(later.replace("&amp;", "&"))))[0] == ids[251]
    assert 'name="at"' in body
    body = read(web.get(f"{page}?at=500"))
    assert _shown(body) == ids[459:]
    assert re.search(rf'id="c{ids[499]}"[^>]*class="claim[^"]*selected', body)
    assert "more-later" not in body


def test_scrolling_loads_the_claims_before_and_after_as_fragments(web, long_article):
    web.login("ann")
    ids, pid, aid = long_article["ids"], long_article["pid"], long_article["aid"]
    response = web.get(f"/projects/{pid}/articles/{aid}/claims-after/{ids[290]}")
    body = read(response)
    assert response.status_code == 200
    assert _shown(body) == ids[291:351]
    assert f"/claims-after/{ids[350]}" in body and "more-earlier" not in body
    body = read(web.get(f"/projects/{pid}/articles/{aid}/claims-before/{ids[210]}"))
    assert _shown(body) == ids[150:210]
    assert f"/claims-before/{ids[150]}" in body and "more-later" not in body
    body = read(web.get(f"/projects/{pid}/articles/{aid}/claims-before/{ids[30]}"))
    assert _shown(body) == ids[:30] and "more-claims" not in body


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("at=0", 404),
        ("at=501", 404),
        ("at=2147483648", 404),
        ("at=99999999999999999999999999999999", 404),
        ("at=abc", 400),
        ("at=-3", 400),
        ("at=1e3", 400),
        ("at=%C2%B2", 400),
    ],
)
def test_a_bad_claim_number_is_a_clear_error(web, long_article, query, status):
    web.login("ann")
    response = web.get(f"{long_article['page']}?{query}")
    body = read(response)
    assert response.status_code == status, page_text(body)[:300]
    if status == 400:
        assert "must be a whole number" in page_text(body)
    else:
        assert re.search(r"has no claim number|Nothing has number", page_text(body))


def test_the_json_api_gives_the_same_window(web, long_article):
    web.login("ann")
    ids, pid, aid = long_article["ids"], long_article["pid"], long_article["aid"]
    response = web.get(f"/api/projects/{pid}/articles/{aid}/workspace?at=3")
    data = response.get_json()
    assert response.status_code == 200
    assert data["selected"]["id"] == ids[2]
    assert data["selected"]["text"] == "Claim number 000003 is here."
    assert [c["id"] for c in data["claims"]] == ids[:43]
    assert (data["more_before"], data["more_after"]) == (False, True)
    assert data["progress"] == {"done": 0, "total": 500}
    assert data["next_unannotated"] == ids[3]
    response = web.get(f"/api/projects/{pid}/articles/{aid}/workspace?at=x")
    assert response.status_code == 400 and "whole number" in response.get_json()["message"]


def _rows(body: str, table: str) -> list[str]:
    found = re.search(rf'<table class="{table}">(.*?)</table>', body, re.S)
    return re.findall(r"<tr>\s*<td>(.*?)</td>", found.group(1), re.S) if found else []


BAD_PAGES = [
    ("page=0", 404),
    ("page=99999999999999999999", 404),
    ("page=2147483648", 404),
    ("page=x", 400),
    ("page=-1", 400),
]


def test_the_project_page_lists_its_articles_a_page_at_a_time(web, db, team):
    project = team["project"]
    ids = make_articles(db, project, 250)
    db.commit()
    web.login("ann")
    url = f"/projects/{project.id}"
    body = read(web.get(url))
    assert _rows(body, "articles") == [str(i) for i in ids[:100]]
    assert "Page 1 of 3 · articles 1–100 of 250, 100 a page" in page_text(body)
    assert "You have done 0 of 250 claims." in page_text(body)
    assert f'href="{url}?page=2" rel="next"' in body
    body = read(web.get(f"{url}?page=3"))
    assert _rows(body, "articles") == [str(i) for i in ids[200:]]
    assert 'rel="next"' not in body and f'href="{url}?page=2" rel="prev"' in body
    for query, status in [*BAD_PAGES, ("page=4", 404)]:
        response = web.get(f"{url}?{query}")
        assert response.status_code == status, query
        read(response)


# A speaker's name in the list links to its page.
SPEAKER_CELL = r"<td>(?:<a [^>]*>)?(Speaker \d+)(?:</a>)?</td>"


def test_the_speakers_page_is_paged_searchable_and_merges_by_id_or_name(web, db, team):
    project = team["project"]
    make_speakers(db, project, 230)
    db.commit()
    web.login("mona")
    url = f"/projects/{project.id}/speakers"
    body = read(web.get(url))
    names = re.findall(SPEAKER_CELL, body)
    assert names == [f"Speaker {i:06d}" for i in range(100)]
    assert "Page 1 of 3 · speakers 1–100 of 230" in page_text(body)
    assert "<select" not in body.split("Merge two speakers")[1].split("</form>")[0]
    body = read(web.get(f"{url}?page=3"))
    assert re.findall(SPEAKER_CELL, body)[-1] == "Speaker 000229"
    body = read(web.get(f"{url}?q=speaker+00012"))
    assert re.findall(SPEAKER_CELL, body) == [f"Speaker {i:06d}" for i in range(120, 130)]
    assert "Page 1 of" not in body  # one page
    for query, status in [*BAD_PAGES, ("page=4", 404), ("q=zzz&page=2", 404)]:
        response = web.get(f"{url}?{query}")
        assert response.status_code == status, query
        read(response)

    source = db.scalar(select(Speaker).where(Speaker.name == "Speaker 000005"))
    response = web.post(f"{url}/merge", {"source": str(source.id), "target": "speaker 000007"})
    assert response.status_code == 302
    assert "Merged Speaker 000005 into Speaker 000007" in page_text(read(web.get(url)))
    assert fresh(db).get(Speaker, source.id).merged_into_id is not None
    for source_text, message in (
        ("Nobody", "No current speaker is named 'Nobody'"),
        ("99999999999", "No current speaker has the id 99999999999"),
        ("   ", "Merge (id or name): This field is required."),
    ):
        response = web.post(f"{url}/merge", {"source": source_text, "target": "Speaker 000009"})
        assert message in page_text(read(web.get(response.location)))


def test_a_long_claim_history_is_paged(web, db, team):
    project = team["project"]
    article = make_long_article(db, project, 2)
    claim = db.scalar(select(Claim).where(Claim.article_id == article.id, Claim.position == 1))
    make_history(db, claim, project.id, 230)
    db.commit()
    web.login("ann")
    url = f"/projects/{project.id}/claims/{claim.id}/history"
    body = read(web.get(url))
    assert body.count("<td>claim trimmed</td>") == 100
    assert "Page 1 of 3 · entries 1–100 of 230" in page_text(body)
    body = read(web.get(f"{url}?page=3"))
    assert body.count("<td>claim trimmed</td>") == 30
    assert "<dt>Entry</dt><dd>229</dd>" in body and "<dd>199</dd>" not in body
    for query, status in [*BAD_PAGES, ("page=4", 404)]:
        response = web.get(f"{url}?{query}")
        assert response.status_code == status, query
        read(response)


def test_a_big_registry_is_chosen_from_by_typing_a_name(web, db, team):
    project = team["project"]
    make_speakers(db, project, 400)
    article = make_long_article(db, project, 3)
    db.commit()
    claims = list(db.scalars(select(Claim).where(Claim.article_id == article.id)))
    web.login("ann")
    page = f"/projects/{project.id}/articles/{article.id}/annotate"
    body = read(web.get(page))
    assert body.count("<option") < 50  # not 2 x 400 speakers
    assert "The registry has 400 speakers, too many to list" in page_text(body)
    fields = {
        "base_version": "",
        "speaker": "",
        "new_speaker_name": " Speaker  000123 ",
        "new_speaker_type": "person",
        "via": "",
        "new_via_name": "Speaker 000007",
        "new_via_type": "organization",
        f"stance_{project.targets[0].id}": "",
    }
    loaded = []

    def load(target, context):
        loaded.append(target)

    event.listen(Speaker, "load", load)
    try:  # the save reads the speakers it names, not the registry
        response = web.post(f"/projects/{project.id}/claims/{claims[0].id}/annotation", fields)
    finally:
        event.remove(Speaker, "load", load)
    assert response.status_code == 302, page_text(read(response))[:300]
    assert len(loaded) <= 4, len(loaded)
    body = read(web.get(f"{page}?claim={claims[0].id}"))
    chosen = db.scalar(select(Speaker).where(Speaker.name == "Speaker 000123"))
    via = db.scalar(select(Speaker).where(Speaker.name == "Speaker 000007"))
    assert f'<option selected value="{chosen.id}">Speaker 000123</option>' in body
    assert f'<option selected value="{via.id}">Speaker 000007</option>' in body
    assert db.scalar(select(func.count()).select_from(Speaker)) == 400  # none added
