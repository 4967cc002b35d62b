"""The progress dashboard as a viewer sees it: counts and charts, no one's labels."""

from __future__ import annotations

from tests.conftest import Web, make_user
from tests.web.web_helpers import add_article, page_text, read
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.projects import set_member


def test_a_viewer_sees_counts_and_charts_but_no_labels_or_notes(app, db, team):
    project = team["project"]
    set_member(db, project, make_user(db, "vic"), "viewer")
    _, claims = add_article(db, project, "Minister A said the talks went well. They resume.")
    save_annotation(db, project, claims[0], team["annotator"],
                    AnnotationInput(note="a private note", attribution="direct"),
                    base_version=None)  # fmt: skip
    db.commit()
    vic = Web(app.test_client())
    vic.login("vic")
    assert "Progress" in page_text(read(vic.get(f"/projects/{project.id}")))
    body = read(vic.get(f"/projects/{project.id}/progress"))
    text = page_text(body)
    assert body.count("<svg") == 2 and "<script" not in body.split("</header>")[-1]
    assert f"ann annotator {len(claims)} 1 0 {len(claims) - 1}" in text
    assert "a private note" not in body and "direct" not in text.replace("directly", "")
    ann = Web(app.test_client())
    ann.login("ann")
    assert ann.get(f"/projects/{project.id}/progress").status_code == 403
