"""Agreement read from the database: what counts, per field, per article, per version."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import literal, select, update

from tests.conftest import make_project, make_user
from workbench.errors import InvalidInput, NotFound
from workbench.importing import parse_pasted
from workbench.models import STANCE_INDEX, Annotation, Article, Project, Stance
from workbench.ops.agreement import (
    _claim_places,
    _columns,
    _label_sets,
    _Packing,
    _query,
    _stance_index_hint,
    agreement_report,
    field_keys,
)
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.claims import active_claims
from workbench.ops.speakers import create_speaker, merge_speakers

pytestmark = pytest.mark.usefixtures("fast_passwords")

TEXT = (
    "Baqeri said the talks in Baghdad went well. "
    '"We will expand our cooperation," he told reporters on Sunday. '
    "The ministry of defence denied the report. "
    "Officials expect a new agreement next year."
)
TARGETS = ("Cooperation", "Sanctions")


@pytest.fixture
def study(session):
    manager = make_user(session, "mona")
    ann, bob, cyd = (make_user(session, name) for name in ("ann", "bob", "cyd"))
    project = make_project(
        session, "Study", targets=TARGETS, manager=manager, annotators=[ann, bob, cyd]
    )
    articles = []
    for n in range(2):
        report = import_items(
            session,
            project,
            parse_pasted(f"{TEXT} Article {n}.", title=f"Article {n}"),
            user=manager,
        )
        article = session.get(Article, report.results[0].article_id)
        articles.append((article, active_claims(session, article)))
    session.flush()
    return {"project": project, "users": (ann, bob, cyd), "articles": articles}


def code(session, project, claim, user, *, status="submitted", stances=None, **values):
    targets = {t.name: t.id for t in project.targets}
    values = AnnotationInput(
        **values,
        stances={targets[name]: value for name, value in (stances or {}).items()},
        status=status,
    )
    return save_annotation(session, project, claim, user, values, base_version=None)


def by_key(report):
    return {f.key: f for f in report.fields}


def test_every_coded_field_each_target_on_its_own(session, study):
    keys = field_keys(study["project"])
    assert keys == [
        "speaker",
        "via",
        "attribution",
        "stance:Cooperation",
        "stance:Sanctions",
        "verifiability",
    ]
    report = agreement_report(session, study["project"])
    assert [f.key for f in report.fields] == keys and report.claims == 0
    assert all(f.agreement.items == 0 for f in report.fields)


def test_labels_counted_per_claim_and_annotator(session, study):
    project, (ann, bob, cyd) = study["project"], study["users"]
    (_, claims), _ = study["articles"]
    for claim, (a, b, c) in zip(
        claims,
        [
            ("direct", "direct", "direct"),
            ("indirect", "indirect", "direct"),
            ("none", "none", "none"),
            ("mixed", "indirect", "none"),
        ],
        strict=False,
    ):
        code(session, project, claim, ann, attribution=a)
        code(session, project, claim, bob, attribution=b)
        code(session, project, claim, cyd, attribution=c)
    report = agreement_report(session, project, field_key="attribution")
    (field,) = report.fields
    result = field.agreement
    assert report.claims == 4 and report.annotators == ["ann", "bob", "cyd"]
    assert (result.items, result.values, result.pairs) == (4, 12, 12)
    # 3 + 1 + 3 + 0 agreeing pairs of 3 per claim.
    assert result.observed == pytest.approx((1 + 1 / 3 + 1 + 0) / 4)
    assert result.fleiss.value is not None and result.alpha.value is not None
    # Gwet's q is the project's label set (four attribution labels).
    assert result.categories == 4
    assert [p.first for p in result.pairs_of_annotators] == ["ann", "ann", "bob"]
    assert {label.label for label in result.labels} == {"direct", "indirect", "none", "mixed"}


def test_draft_and_single_annotations_are_left_out(session, study):
    project, (ann, bob, cyd) = study["project"], study["users"]
    (_, claims), _ = study["articles"]
    code(session, project, claims[0], ann, verifiability="opinion")
    code(session, project, claims[0], bob, verifiability="verifiable")
    code(session, project, claims[0], cyd, verifiability="verifiable", status="draft")
    # Only one done annotation: not an item.
    code(session, project, claims[1], ann, verifiability="opinion")
    code(session, project, claims[1], bob, verifiability="opinion", status="draft")
    report = agreement_report(session, project, field_key="verifiability")
    result = report.fields[0].agreement
    assert report.claims == 1 and (result.items, result.values) == (1, 2)
    assert result.observed == 0.0
    assert [a.annotator for a in result.annotators_vs_others] == ["ann", "bob"]


def test_empty_values_are_missing_not_a_category(session, study):
    project, (ann, bob, _) = study["project"], study["users"]
    (_, claims), _ = study["articles"]
    code(session, project, claims[0], ann, attribution="direct", verifiability="opinion")
    code(session, project, claims[0], bob, verifiability="opinion")  # attribution not set
    fields = by_key(agreement_report(session, project))
    assert fields["attribution"].agreement.items == 0
    assert fields["attribution"].agreement.items_coded == 1
    assert fields["via"].agreement.items_coded == 0
    assert fields["verifiability"].agreement.items == 1


def test_not_a_claim_makes_stances_missing(session, study):
    project, (ann, bob, cyd) = study["project"], study["users"]
    (_, claims), _ = study["articles"]
    favor = {"Cooperation": "favor", "Sanctions": "against"}
    code(session, project, claims[0], ann, verifiability="verifiable", stances=favor)
    code(session, project, claims[0], bob, verifiability="verifiable", stances=favor)
    # cyd says there is nothing asserted; the stances cyd left stay out, not disagreement.
    code(
        session,
        project,
        claims[0],
        cyd,
        verifiability="not_a_claim",
        stances={"Cooperation": "against", "Sanctions": "favor"},
    )
    fields = by_key(agreement_report(session, project))
    stance = fields["stance:Cooperation"].agreement
    assert (stance.items, stance.values, stance.observed) == (1, 2, 1.0)
    assert fields["stance:Sanctions"].agreement.observed == 1.0
    # On verifiability itself not_a_claim is a value, and a disagreement.
    verifiability = fields["verifiability"].agreement
    assert verifiability.values == 3 and verifiability.observed == pytest.approx(1 / 3)


def test_speakers_compare_after_merges(session, study):
    project, (ann, bob, _cyd) = study["project"], study["users"]
    (_, claims), _ = study["articles"]
    full = create_speaker(session, project, "Mohammad Baqeri")
    short = create_speaker(session, project, "Baqeri")
    other = create_speaker(session, project, "Hatami")
    code(session, project, claims[0], ann, speaker_id=full.id)
    code(session, project, claims[0], bob, speaker_id=short.id)
    code(session, project, claims[1], ann, speaker_id=other.id)
    code(session, project, claims[1], bob, speaker_id=short.id)
    before = by_key(agreement_report(session, project))["speaker"].agreement
    assert before.observed == 0.0
    merge_speakers(session, short, full, user=None)
    after = by_key(agreement_report(session, project))["speaker"].agreement
    assert after.observed == 0.5 and after.items == 2
    labels = {label.label for label in after.labels}
    assert labels == {"Mohammad Baqeri", "Hatami"}


def test_annotations_naming_a_merged_speaker_count_as_its_end(session, study):
    # A restore or an import can leave annotations that name a merged speaker, and
    # chains of merges: they count as the speaker the chain ends at.
    project, (ann, bob, cyd) = study["project"], study["users"]
    (_, claims), _ = study["articles"]
    first = create_speaker(session, project, "Mohammad Baqeri")
    middle = create_speaker(session, project, "Gen. Baqeri")
    last = create_speaker(session, project, "Baqeri")
    merge_speakers(session, middle, first, user=None)
    merge_speakers(session, last, first, user=None)
    code(session, project, claims[0], ann, speaker_id=first.id)
    code(session, project, claims[0], bob, speaker_id=first.id)
    code(session, project, claims[0], cyd, speaker_id=first.id)
    session.execute(
        update(Annotation).where(Annotation.user_id == bob.id).values(speaker_id=middle.id)
    )
    session.execute(
        update(Annotation).where(Annotation.user_id == cyd.id).values(speaker_id=last.id)
    )
    result = by_key(agreement_report(session, project))["speaker"].agreement
    assert result.observed == 1.0 and result.values == 3


def test_codebook_versions(session, study):
    project, (ann, bob, _cyd) = study["project"], study["users"]
    (_, claims), _ = study["articles"]
    for user, value in ((ann, "opinion"), (bob, "opinion")):
        code(session, project, claims[0], user, verifiability=value)
    for user, value in ((ann, "opinion"), (bob, "verifiable")):
        code(session, project, claims[1], user, verifiability=value)
    # The second claim's annotations were made under an older codebook.
    session.execute(
        update(Annotation)
        .where(Annotation.claim_id == claims[1].id)
        .values(codebook_version=project.codebook_version + 1)
    )
    session.execute(
        update(Project)
        .where(Project.id == project.id)
        .values(codebook_version=Project.codebook_version + 1)
    )
    session.refresh(project)
    current = agreement_report(session, project, field_key="verifiability")
    assert current.codebook_version == project.codebook_version
    assert current.fields[0].agreement.items == 1 and current.fields[0].agreement.observed == 0.0
    older = agreement_report(
        session, project, field_key="verifiability", codebook_version=project.codebook_version - 1
    )
    assert older.fields[0].agreement.observed == 1.0
    pooled = agreement_report(session, project, field_key="verifiability", across_versions=True)
    assert pooled.codebook_version is None and pooled.fields[0].agreement.items == 2
    with pytest.raises(InvalidInput):
        agreement_report(session, project, across_versions=True, codebook_version=1)


def test_per_article_and_per_claim(session, study):
    project, (ann, bob, _) = study["project"], study["users"]
    (first, first_claims), (second, second_claims) = study["articles"]
    for claim in first_claims:
        code(session, project, claim, ann, attribution="direct")
        code(session, project, claim, bob, attribution="direct")
    code(session, project, second_claims[0], ann, attribution="direct")
    code(session, project, second_claims[0], bob, attribution="none")
    report = agreement_report(session, project, field_key="attribution", by_article=True)
    articles = {a.article_id: a for a in report.fields[0].articles}
    assert articles[first.id].summary.observed == 1.0
    assert articles[first.id].summary.items == len(first_claims)
    assert articles[second.id].summary.observed == 0.0 and articles[second.id].title == "Article 1"
    assert report.article_count == 2
    paged = agreement_report(
        session, project, field_key="attribution", by_article=True, article_slice=slice(1, 2)
    )
    assert paged.article_count == 2
    assert [a.article_id for a in paged.fields[0].articles] == [second.id]
    assert paged.fields[0].articles[0].summary == articles[second.id].summary
    one = agreement_report(session, project, field_key="attribution", article_id=second.id)
    assert one.article_title == "Article 1" and one.claims == 1
    (claim,) = one.fields[0].claims
    assert claim.claim_id == second_claims[0].id and claim.unit.share == 0.0
    assert claim.values == {"ann": "direct", "bob": "none"}


def test_bootstrap_through_the_report(session, study):
    project, (ann, bob, _cyd) = study["project"], study["users"]
    for _, claims in study["articles"]:
        for n, claim in enumerate(claims):
            code(session, project, claim, ann, verifiability="opinion" if n % 2 else "verifiable")
            code(session, project, claim, bob, verifiability="opinion" if n % 3 else "verifiable")
    report = agreement_report(session, project, field_key="verifiability", resamples=1000, seed=3)
    interval = report.fields[0].agreement.interval
    assert interval.resamples == 1000 and interval.seed == 3 and report.resamples == 1000
    with pytest.raises(InvalidInput, match="1,000"):
        agreement_report(session, project, resamples=10)


def test_bad_requests(session, study):
    project = study["project"]
    with pytest.raises(InvalidInput, match="Unknown field"):
        agreement_report(session, project, field_key="note")
    other = make_project(session, "Other", manager=make_user(session, "olga"))
    report = import_items(session, other, parse_pasted("Someone said something."), user=None)
    with pytest.raises(NotFound):
        agreement_report(session, project, article_id=report.results[0].article_id)


def test_a_label_the_codebook_does_not_list_is_its_own_label(session, study):
    # An annotation of an older codebook may hold a label since removed; the labels
    # come coded by the database, and such a value sends the report to read them as
    # stored: it counts as a label of its own, after the listed ones.
    project, (ann, bob, _) = study["project"], study["users"]
    (_, claims), _ = study["articles"]
    code(session, project, claims[0], ann, attribution="direct", stances={"Sanctions": "favor"})
    code(session, project, claims[0], bob, attribution="direct", stances={"Sanctions": "favor"})
    code(session, project, claims[1], ann, attribution="direct")
    code(session, project, claims[1], bob, attribution="direct")
    session.execute(
        update(Annotation)
        .where(Annotation.user_id == bob.id, Annotation.claim_id == claims[1].id)
        .values(attribution="hearsay")
    )
    session.execute(
        update(Stance)
        .where(
            Stance.value == "favor",
            Stance.annotation_id.in_(select(Annotation.id).where(Annotation.user_id == ann.id)),
        )
        .values(value="lukewarm")
    )
    fields = by_key(agreement_report(session, project))
    attribution = fields["attribution"].agreement
    assert (attribution.items, attribution.observed) == (2, 0.5)
    assert {label.label: label.values for label in attribution.labels} == {
        "direct": 3,
        "hearsay": 1,
    }
    stance = fields["stance:Sanctions"].agreement
    assert {label.label for label in stance.labels} == {"favor", "lukewarm"}
    assert stance.observed == 0.0
    # Fields without such a label are read as coded, and agree.
    assert fields["verifiability"].agreement.items == 0


def test_sqlite_reads_stances_from_the_covering_index(session, study):
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan (PostgreSQL chooses its own)")
    project = study["project"]
    columns = _columns(project)
    query = _query(
        project,
        columns,
        None,
        project.codebook_version,
        label_sets=_label_sets(session, project.id),
    )
    sql = _stance_index_hint(
        str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    )
    plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    stance_lines = [line for line in plan if "stance_" in line]
    assert len(stance_lines) == 2
    assert all(f"COVERING INDEX {STANCE_INDEX}" in line for line in stance_lines)
    assert not any("TEMP B-TREE" in line for line in plan)  # no sort


@pytest.mark.parametrize("seed", range(3))
def test_packed_words_come_back_as_the_columns(session, seed):
    rng = np.random.default_rng(seed)
    widths = [
        (int(b), int(bias))
        for b, bias in zip(rng.integers(1, 32, 12), rng.integers(0, 3, 12), strict=True)
    ]
    packing = _Packing.of(widths)
    assert all(offset + bits <= 62 for _, offset, bits, _ in packing.places)
    rows = [
        [int(rng.integers(-bias, (1 << bits) - bias)) for bits, bias in widths] for _ in range(5)
    ]
    rows.append([(1 << bits) - 1 - bias for bits, bias in widths])  # the largest values
    rows.append([-bias for _, bias in widths])
    words = []
    for row in rows:
        (packed,) = session.execute(select(*packing.words([literal(v) for v in row]))).all()
        words.append(list(packed))
    assert packing.unpack(np.array(words, dtype=np.int64)).tolist() == rows


def test_a_claim_gone_between_the_two_reads_is_left_out_of_the_articles(session, study):
    # The articles of the claims come from a second query; on PostgreSQL a claim
    # merged in between is not among them, and drops out of the per-article figures
    # (its annotations still count project-wide, as read by the first query).
    project = study["project"]
    (first, first_claims), (second, second_claims) = study["articles"]
    ids = np.array(sorted([first_claims[0].id, second_claims[1].id, 10**9]), dtype=np.int64)
    articles, positions = _claim_places(session, project, None, ids, positions=True)
    assert articles.tolist() == [first.id, second.id, -1]
    assert positions.tolist() == [first_claims[0].position, second_claims[1].position, 0]
