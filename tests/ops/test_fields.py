"""Every field of workbench/fields.py reaches every place that lists an annotation's
fields: the model, the save and its record, the form, the JSON API, the export,
backup and the history. A field added to fields.py and forgotten somewhere fails here."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import make_project, make_user
from workbench import exporting, fields
from workbench.fields import FIELDS, LABEL, RECORD_ORDER, SPEAKER, STANCES, TEXT, Field
from workbench.importing import ArticleDraft
from workbench.labels import DEFAULT_LABELS, LABELLED_FIELDS
from workbench.models import Annotation
from workbench.ops import history
from workbench.ops.annotations import AnnotationInput, annotation_record, save_annotation
from workbench.ops.articles import import_items
from workbench.ops.backup import dump_project
from workbench.ops.backup.kinds import BY_NAME
from workbench.ops.claims import active_claims
from workbench.ops.exports import SPEAKER_ATTRIBUTES, wide_rows
from workbench.ops.speakers import create_speaker
from workbench.suggest import model as suggest_model
from workbench.web import annotate, api

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_the_description_is_complete_and_consistent():
    assert [f.name for f in RECORD_ORDER] == [
        *(f.name for f in FIELDS if f.kind != STANCES),
        *(f.name for f in FIELDS if f.kind == STANCES),
    ]
    # Every label set is some field's choices; every suggester field proposes one.
    assert {f.choices for f in FIELDS if f.kind in (LABEL, STANCES)} == set(LABELLED_FIELDS)
    assert sorted(s for f in FIELDS for s in f.suggested) == sorted(suggest_model.FIELDS)
    for f in fields.of_kind(SPEAKER):
        assert set(f.speaker_columns) <= set(SPEAKER_ATTRIBUTES), f.name


@pytest.mark.parametrize(
    "bad",
    [
        Field("attribution", TEXT, "Twice"),
        Field("colour", "colour", "Colour"),
        Field("mood", LABEL, "Mood", "mood"),
        Field("source", SPEAKER, "Source", "labels"),
        Field("summary", TEXT, "Summary", suggested=("summary",)),
    ],
    ids=[
        "repeated",
        "unknown kind",
        "unknown label set",
        "speaker not from the registry",
        "a suggested text",
    ],
)
def test_a_wrong_description_is_refused_on_import(monkeypatch, bad):
    monkeypatch.setattr(fields, "FIELDS", (*FIELDS, bad))
    with pytest.raises(ValueError):
        fields._check()


def test_every_field_is_in_the_model_the_input_the_api_the_export_backup_and_history():
    columns = Annotation.__table__.c
    inputs = [a.name for a in dataclasses.fields(AnnotationInput)]
    assert inputs == [*(f.column for f in RECORD_ORDER), "status"]
    assert [k for k in api._FIELDS if k in inputs] == inputs
    header = exporting.wide_columns(["T"])
    long = exporting.long_fields(["T"])
    dumped = [field.name for field in BY_NAME["annotation"].fields]
    for f in FIELDS:
        if f.kind == STANCES:
            assert hasattr(Annotation, f.name)
        else:
            assert f.column in columns, f.name
            assert history._LABELS[f.name] == f.label
        for column in f.export_columns(["T"]):
            assert column in header and column in long, column
        assert f.name in dumped
        if f.kind == SPEAKER:
            assert BY_NAME["annotation"].history_refs[f.column] == "speaker"


@pytest.fixture
def annotated(app, db):
    """An annotation with every field set to something, saved through the operation."""
    mona = make_user(db, "mona")
    project = make_project(db, targets=("Cooperation",), manager=mona)
    import_items(db, project, [ArticleDraft(text="Hatami said the talks went well.")], user=mona)
    claim = active_claims(db, project.articles[0])[0]
    speaker = create_speaker(db, project, "Amir Hatami", type="person", title="minister")
    target = project.targets[0]
    given = {}
    for f in RECORD_ORDER:
        if f.kind == SPEAKER:
            given[f.column] = speaker.id
        elif f.kind == LABEL:
            given[f.column] = DEFAULT_LABELS[f.choices][0][0]
        elif f.kind == TEXT:
            given[f.column] = f"some {f.name}"
        else:
            given[f.column] = {target.id: DEFAULT_LABELS[f.choices][0][0]}
    annotation = save_annotation(
        db, project, claim, mona, AnnotationInput(**given), base_version=None
    )
    db.commit()
    return project, claim, annotation, speaker


def test_a_saved_field_shows_in_the_record_form_export_backup_and_history(app, db, annotated):
    project, claim, annotation, speaker = annotated
    record = annotation_record(annotation)
    assert list(record) == [*fields.record_keys(), "status", "version"]
    assert all(record[key] not in (None, "", {}) for key in fields.record_keys())

    row = next(wide_rows(db, project))
    for f in FIELDS:
        for column in f.export_columns([t.name for t in project.targets]):
            assert row[column] not in (None, ""), column

    db.rollback()  # a dump reads one snapshot, in a transaction of its own
    dumped = next(r for r in dump_project(db, project) if r.get("type") == "annotation")
    db.rollback()
    assert all(dumped[f.name] not in (None, "", {}) for f in FIELDS)

    entry = history.claim_history(db, claim.id)[-1]
    names = {t.id: t.name for t in project.targets}
    shown = {label for label, _, _ in history.describe(entry.after, names)}
    for f in FIELDS:
        wanted = f"{f.label}: {project.targets[0].name}" if f.kind == STANCES else f.label
        assert wanted in shown, wanted

    form_class = annotate.annotation_form_class(project, [speaker])
    with app.test_request_context():
        form = form_class(formdata=None)
        annotate._fill(form, project, annotation)
        readable = dict(annotate._readable(project, [speaker], record))
    for f in FIELDS:
        if f.kind == STANCES:
            name = annotate._target_field(f, project.targets[0])
            assert form[name].data == record[f.name][str(project.targets[0].id)]
            assert readable[f"{f.label}: {project.targets[0].name}"]
        else:
            assert form[f.name].data not in (None, ""), f.name
            assert readable[f.label], f.label
