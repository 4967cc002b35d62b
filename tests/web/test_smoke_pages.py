"""Every page renders for a manager on the demo project (catches template errors)."""

from workbench.ops.demo import DEMO_NAME, seed_demo


def test_manager_walks_every_page(web, db, team):
    project, report = seed_demo(db, manager=team["manager"])
    db.commit()
    assert report.imported == 1
    article = project.articles[0]
    claim = article.claims[0]
    web.login("mona")
    pid = project.id
    pages = [
        "/",
        f"/projects/{pid}",
        f"/projects/{pid}/settings",
        f"/projects/{pid}/members",
        f"/projects/{pid}/import",
        f"/projects/{pid}/articles/{article.id}/annotate",
        f"/projects/{pid}/articles/{article.id}/annotate?claim={claim.id}",
        f"/projects/{pid}/claims/{claim.id}/history",
        f"/projects/{pid}/speakers",
        f"/projects/{pid}/export",
        f"/projects/{pid}/codebook.md",
        f"/projects/{pid}/codebook.csv",
        f"/projects/{pid}/export/data?format=csv",
    ]
    for url in pages:
        response = web.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, (url, body[:2000])
    assert DEMO_NAME in web.get("/").get_data(as_text=True)
