"""Adjudication never changes or deletes an annotation: after any sequence of settle,
accept-all-agree and edit operations (refused ones included), every annotation row,
its version and its stances are as they were."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import make_project, make_user
from tests.web.web_helpers import add_article
from workbench.errors import WorkbenchError
from workbench.models import Annotation, GoldLabel, Stance
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.gold import accept_agreed, project_keys, settle_gold
from workbench.ops.speakers import create_speaker

pytestmark = pytest.mark.usefixtures("fast_passwords")

ATTRIBUTIONS = ["direct", "indirect", "mixed", "none"]
STANCES = ["favor", "against", "neutral", ""]


@pytest.fixture
def world(session):
    boss = make_user(session, "boss")
    coders = [make_user(session, name) for name in ("ann", "bob", "cat")]
    project = make_project(session, "Prop", targets=("T1", "T2"), manager=boss, annotators=coders)
    _, claims = add_article(session, project)
    speakers = [create_speaker(session, project, n) for n in ("Jane Doe", "John Roe")]
    targets = [t.id for t in project.targets]
    for i, claim in enumerate(claims):
        for j, user in enumerate(coders):
            save_annotation(
                session,
                project,
                claim,
                user,
                AnnotationInput(
                    speaker_id=speakers[(i + j) % 2].id if j != 2 else speakers[0].id,
                    attribution=ATTRIBUTIONS[(i * j) % 4],
                    verifiability="opinion",
                    stances={targets[0]: STANCES[(i + j) % 4], targets[1]: "favor"},
                    note=f"note {i} {j}",
                    status="draft" if (i, j) == (3, 2) else "submitted",
                ),
                base_version=None,
            )
    session.flush()
    return {"project": project, "boss": boss, "claims": claims, "speakers": speakers}


def snapshot(session):
    annotations = session.execute(select(Annotation.__table__).order_by(Annotation.id)).all()
    stances = session.execute(select(Stance.__table__).order_by(Stance.id)).all()
    return [tuple(r) for r in annotations], [tuple(r) for r in stances]


OPERATION = st.one_of(
    st.tuples(
        st.just("settle"),
        st.integers(0, 3),  # claim
        st.integers(0, 10),  # key
        st.sampled_from(["pick", "value", "new", "none"]),
        st.integers(0, 20),  # which annotation / value
        st.sampled_from(["other", "annotator slip", "", "nonsense"]),
        st.sampled_from(["current", "none", "stale"]),
    ),
    st.tuples(st.just("accept"), st.booleans(), st.integers(0, 10)),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATION, max_size=12))
def test_adjudication_never_touches_an_annotation(session, world, operations):
    before = snapshot(session)
    project, boss, claims = world["project"], world["boss"], world["claims"]
    keys = project_keys(project)
    annotation_ids = [a for (a,) in session.execute(select(Annotation.id).order_by(Annotation.id))]
    values = [*ATTRIBUTIONS, *STANCES, "opinion", "prediction", "shouted"]
    savepoint = session.begin_nested()
    try:
        for op in operations:
            try:
                if op[0] == "accept":
                    _, by_field, k = op
                    accept_agreed(
                        session, project, user=boss, key=keys[k % len(keys)] if by_field else None
                    )
                    continue
                _, c, k, how, n, reason, version = op
                claim, key = claims[c], keys[k % len(keys)]
                gold = session.scalar(
                    select(GoldLabel).where(GoldLabel.claim_id == claim.id, GoldLabel.key == key)
                )
                given_version = {
                    "current": gold.version if gold else None,
                    "none": None,
                    "stale": (gold.version + 1) if gold else 1,
                }[version]
                kwargs = {}
                if how == "pick":
                    kwargs["pick"] = annotation_ids[n % len(annotation_ids)]
                elif how == "value":
                    is_speaker = key in ("speaker", "via")
                    kwargs["value"] = (
                        world["speakers"][n % 2].id if is_speaker else values[n % len(values)]
                    )
                elif how == "new":
                    kwargs["new_speaker"] = f"New person {n}"
                settle_gold(
                    session,
                    project,
                    claim.id,
                    key,
                    user=boss,
                    reason=reason,
                    version=given_version,
                    **kwargs,
                )
            except WorkbenchError:
                pass
            session.expire_all()
            assert snapshot(session) == before, op
    finally:
        savepoint.rollback()
    assert snapshot(session) == before
