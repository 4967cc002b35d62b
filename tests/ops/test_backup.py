"""Dump and restore a whole project: dump -> restore -> dump gives identical records."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from tests.conftest import make_user
from workbench.db import make_engine, make_session_factory
from workbench.errors import Conflict, InvalidInput
from workbench.models import Annotation, Article, Claim, HistoryEntry, Project
from workbench.ops.annotations import AnnotationInput, save_annotation
from workbench.ops.backup import FORMAT_VERSION, dump_lines, read_dump, restore_project
from workbench.ops.claims import active_claims, merge_with_next, split_claim
from workbench.ops.demo import seed_demo
from workbench.ops.projects import set_targets
from workbench.ops.speakers import create_speaker, merge_speakers
from workbench.schema import upgrade


def build_project(session):
    manager = make_user(session, "mona")
    annotator = make_user(session, "ann")
    project, _ = seed_demo(session, manager=manager)
    from workbench.ops.projects import set_member

    set_member(session, project, annotator, "annotator")
    article = project.articles[0]
    claims = active_claims(session, article)
    baqeri = create_speaker(
        session, project, "Mohammad Baqeri", title="Chief of Staff", user=manager
    )
    short = create_speaker(session, project, "Baqeri", user=annotator)
    tasnim = create_speaker(session, project, "Tasnim", type="outlet", user=manager)
    target = project.targets[0]
    for user, speaker in ((manager, baqeri), (annotator, short)):
        save_annotation(
            session,
            project,
            claims[3],
            user,
            AnnotationInput(
                speaker_id=speaker.id,
                via_id=tasnim.id,
                attribution="direct",
                verifiability="opinion",
                note='a "quoted", note\nwith a line',
                stances={target.id: "favor"},
            ),
            base_version=None,
        )
    save_annotation(
        session,
        project,
        claims[4],
        annotator,
        AnnotationInput(verifiability="verifiable"),
        base_version=None,
    )
    merge_speakers(session, short, baqeri, user=manager)
    split_claim(session, claims[2], claims[2].start + 10, user=manager)
    merge_with_next(session, claims[4], user=manager)
    # A target used once, then cleared and taken out: retired, still named by the history.
    names = [t.name for t in project.targets]
    set_targets(session, project, [*names, "Sanctions"])
    sanctions = project.targets[-1]
    last = active_claims(session, article)[-1]
    values = AnnotationInput(verifiability="verifiable", stances={sanctions.id: "against"})
    save_annotation(session, project, last, annotator, values, base_version=None)
    values = AnnotationInput(verifiability="verifiable")
    save_annotation(session, project, last, annotator, values, base_version=1)
    set_targets(session, project, names)
    # Assignments, and the modes they turn on (format 6).
    from workbench.ops.assignments import assign, set_modes

    assign(session, project, [article.id], ["ann", "mona"], by=manager)
    set_modes(session, project, blind=False, by=manager)
    session.commit()
    return project


def other_database(tmp_path, name="other.sqlite3"):
    engine = make_engine(f"sqlite:///{tmp_path / name}")
    upgrade(engine)
    return engine, make_session_factory(engine)


def test_dump_restore_dump_is_identical(session, tmp_path):
    project = build_project(session)
    first = list(dump_lines(session, project))
    header = json.loads(first[0])
    assert header["format_version"] == FORMAT_VERSION
    kinds = {json.loads(line)["type"] for line in first}
    assert {
        "project",
        "target",
        "label",
        "member",
        "speaker",
        "article",
        "claim",
        "suggestion",
        "annotation",
        "history",
    } <= kinds

    engine, sessions = other_database(tmp_path)
    with sessions() as other:
        restored, created, _ = restore_project(other, read_dump(first))
        other.commit()
        assert sorted(created) == ["ann", "mona"]
        second = list(dump_lines(other, restored))
    engine.dispose()
    assert second == first


def test_restored_annotations_keep_versions_and_text(session, tmp_path):
    project = build_project(session)
    lines = list(dump_lines(session, project))
    engine, sessions = other_database(tmp_path)
    with sessions() as other:
        restored, _, _ = restore_project(other, read_dump(lines))
        other.commit()
        versions = sorted(other.scalars(select(Annotation.version)))
        assert versions == sorted(session.scalars(select(Annotation.version)))
        for claim in other.scalars(select(Claim)):
            assert 0 <= claim.start < claim.end <= len(claim.article.text)
        assert other.scalar(select(func.count()).select_from(HistoryEntry)) == session.scalar(
            select(func.count()).select_from(HistoryEntry)
        )
    engine.dispose()


def test_restore_refuses_a_taken_name_and_leaves_nothing(session):
    project = build_project(session)
    lines = list(dump_lines(session, project))
    articles_before = session.scalar(select(func.count()).select_from(Article))
    with pytest.raises(Conflict, match="exists already"):
        restore_project(session, read_dump(lines))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Article)) == articles_before
    copy, _, _ = restore_project(session, read_dump(lines), name="Copy")
    session.commit()
    assert copy.name == "Copy"
    assert session.scalar(select(func.count()).select_from(Project)) == 2


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "not a Claim Workbench dump"),
        (['{"type": "project"}'], "not a Claim Workbench dump"),
        (
            ['{"type": "header", "format": "claim-workbench-dump", "format_version": 99}'],
            "format version 99",
        ),
        (["not json"], "not valid JSON"),
    ],
)
def test_restore_rejects_what_is_not_a_dump(session, lines, message):
    with pytest.raises(InvalidInput, match=message):
        restore_project(session, read_dump(lines))


def test_a_malformed_record_stops_the_restore_whole(session, tmp_path):
    project = build_project(session)
    lines = list(dump_lines(session, project))
    broken = [line for line in lines if json.loads(line)["type"] != "article"]
    engine, sessions = other_database(tmp_path)
    with sessions() as other:
        with pytest.raises(InvalidInput, match="does not contain"):
            restore_project(other, read_dump(broken))
        other.rollback()
        assert other.scalar(select(func.count()).select_from(Project)) == 0
    engine.dispose()


def test_history_of_moved_annotations_and_removed_targets_survives_a_restore(session, tmp_path):
    from workbench.ops.projects import set_targets

    manager = make_user(session, "mona")
    project, _ = seed_demo(session, manager=manager)
    set_targets(session, project, ["Iran-Iraq military cooperation", "Peace"])
    session.flush()
    claims = active_claims(session, project.articles[0])
    peace = next(t for t in project.targets if t.name == "Peace")
    first = save_annotation(
        session,
        project,
        claims[1],
        manager,
        AnnotationInput(stances={peace.id: "favor"}),
        base_version=None,
    )
    save_annotation(
        session, project, claims[1], manager, AnnotationInput(note="n"), base_version=first.version
    )
    set_targets(session, project, ["Iran-Iraq military cooperation"])
    merge_with_next(session, claims[0], user=manager)  # moves the annotation of claims[1]
    session.commit()
    first_dump = list(dump_lines(session, project))
    assert any('"moved-by-merge"' in line for line in first_dump)
    engine, sessions = other_database(tmp_path)
    with sessions() as other:
        restored, _, _ = restore_project(other, read_dump(first_dump))
        other.commit()
        assert list(dump_lines(other, restored)) == first_dump
    engine.dispose()


def test_dump_reads_one_snapshot_while_others_commit(session, session_factory):
    """A speaker and an annotation naming it, committed while a dump runs, are both
    in the dump or both out of it: the dump reads one snapshot."""
    project = build_project(session)
    before = list(dump_lines(session, project))
    session.commit()
    dumping = dump_lines(session, project)
    lines = []
    for line in dumping:
        lines.append(line)
        if json.loads(line)["type"] == "article":  # the speakers are read by now
            break
    with session_factory() as other:
        late_project = other.get(Project, project.id)
        speaker = create_speaker(other, late_project, "Late Speaker")
        claim = active_claims(other, late_project.articles[0])[6]
        save_annotation(
            other,
            late_project,
            claim,
            make_user(other, "late"),
            AnnotationInput(speaker_id=speaker.id, note="late"),
            base_version=None,
        )
        other.commit()
    lines.extend(dumping)
    session.commit()
    assert lines == before
    after = list(dump_lines(session, project))
    session.commit()
    late = [r for r in map(json.loads, after) if r["type"] == "annotation" and r["note"] == "late"]
    speakers = {r["key"]: r["name"] for r in map(json.loads, after) if r["type"] == "speaker"}
    assert [speakers[r["speaker"]] for r in late] == ["Late Speaker"]


def test_a_dump_refuses_a_session_that_reads_committed_data(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite reads one snapshot in any transaction")
    project = build_project(session)
    session.scalar(select(func.count()).select_from(Project))  # begins READ COMMITTED
    with pytest.raises(RuntimeError, match="no transaction begun"):
        list(dump_lines(session, project))


@pytest.fixture(scope="module")
def sqlite_dump(tmp_path_factory):
    """The lines of a dump of ``build_project`` made on SQLite (made once per module)."""
    engine, sessions = other_database(tmp_path_factory.mktemp("source"), "source.sqlite3")
    with sessions() as source:
        project = build_project(source)
        from workbench.ops.projects import set_member

        set_member(source, project, make_user(source, "Bea"), "annotator")
        source.commit()
        lines = list(dump_lines(source, project))
    engine.dispose()
    return lines


def sealed(records):
    """Return the lines of ``records`` with the closing record made again for them
    (counts and digest), as dump_lines writes it: an edited dump that is whole."""
    body = [r for r in records if r["type"] != "end"]
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in body]
    counts: dict[str, int] = {}
    for record in body[1:]:
        counts[record["type"]] = counts.get(record["type"], 0) + 1
    digest = hashlib.sha256("".join(lines).encode("utf-8", "surrogatepass")).hexdigest()
    end = {"type": "end", "counts": counts, "sha256": digest}
    return [*lines, json.dumps(end, ensure_ascii=False, sort_keys=True) + "\n"]


def edited(lines, edit):
    """Return the dump's lines after ``edit(records)`` changed its parsed records (with
    its closing record made again, so only the edit is wrong), and the line number
    ``edit`` returned (the record it changed)."""
    records = [json.loads(line) for line in lines]
    number = edit(records)
    return sealed(records), number


def first_of(records, kind):
    return next(i for i, r in enumerate(records) if r["type"] == kind)


def set_field(kind, field, value, *, drop=False):
    def edit(records):
        index = first_of(records, kind)
        if drop:
            del records[index][field]
        else:
            records[index][field] = value
        return index + 1

    return edit


def repeat(kind):
    def edit(records):
        index = first_of(records, kind)
        records.insert(index + 1, dict(records[index]))
        return index + 2

    return edit


def set_stance(records):
    index = next(i for i, r in enumerate(records) if r["type"] == "annotation" and r["stances"])
    records[index]["stances"] = {"x": "favor"}
    return index + 1


def totals(session):
    from workbench.models import Label, Speaker, User

    return [
        session.scalar(select(func.count()).select_from(model))
        for model in (Project, User, Label, Speaker, Article, HistoryEntry)
    ]


INVALID_DUMPS = {
    "format version 0": (set_field("header", "format_version", 0), "format version 0"),
    "format version text": (set_field("header", "format_version", "1"), "format version '1'"),
    "format version true": (set_field("header", "format_version", True), "format version True"),
    "no format version": (
        set_field("header", "format_version", None, drop=True),
        "no format version",
    ),
    "unknown role": (set_field("member", "role", "owner"), "'owner'"),
    "unknown label field": (set_field("label", "field", "colour"), "'colour'"),
    "target key not a number": (set_field("target", "key", "x"), "'key'"),
    "target key repeated": (repeat("target"), "repeats the target with key 1 of line"),
    "label repeated": (repeat("label"), "repeats the label with field"),
    "member repeated": (repeat("member"), "repeats the member with username"),
    "speaker name too long": (set_field("speaker", "name", "n" * 301), "at most 300"),
    "article outlet too long": (set_field("article", "outlet", "o" * 301), "at most 300"),
    "project name too long": (set_field("project", "name", "p" * 201), "at most 200"),
    "project name blank": (set_field("project", "name", "  "), "empty"),
    "username too long": (set_field("member", "username", "u" * 81), "at most 80"),
    "field missing": (set_field("speaker", "name", None, drop=True), "no 'name'"),
    "text field null": (set_field("article", "outlet", None), "'outlet'"),
    "number out of range": (set_field("claim", "position", 2**40), "'position'"),
    "time without zone": (set_field("article", "created_at", "2024-01-01T10:00:00"), "time"),
    "time not a time": (set_field("article", "created_at", "yesterday"), "time"),
    "stance key not a target": (set_stance, "'x'"),
    "second project": (repeat("project"), "second project"),
    "unknown speaker type": (set_field("speaker", "speaker_type", "robot"), "'robot'"),
}


@pytest.mark.parametrize(("edit", "message"), INVALID_DUMPS.values(), ids=INVALID_DUMPS.keys())
def test_restore_refuses_an_invalid_dump_and_changes_nothing(session, sqlite_dump, edit, message):
    lines, number = edited(sqlite_dump, edit)
    before = totals(session)
    with pytest.raises(InvalidInput, match=re.escape(message)) as caught:
        restore_project(session, read_dump(lines))
    if number is not None and "format version" not in message:
        assert caught.value.message.startswith(f"Line {number} of the dump")
    session.rollback()
    assert totals(session) == before


@pytest.mark.parametrize("name", ["   ", "n" * 201])
def test_restore_refuses_a_blank_or_long_new_name(session, sqlite_dump, name):
    with pytest.raises(InvalidInput, match="project name"):
        restore_project(session, read_dump(sqlite_dump), name=name)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Project)) == 0


def test_read_dump_names_the_line_that_is_not_utf8():
    lines = [b'{"type": "header"}\n', b"\xff\xfe bad\n"]
    with pytest.raises(InvalidInput, match="Line 2 of the dump is not UTF-8"):
        list(read_dump(lines))


def surrogate_in(kind, field):
    def edit(records):
        index = first_of(records, kind)
        if field == "extra":
            records[index]["extra"] = {"note": "\ud800"}
        else:
            records[index][field] += "\ud800"
        return index + 1

    return edit


@pytest.mark.parametrize(
    ("kind", "field"), [("speaker", "name"), ("article", "text"), ("article", "extra")]
)
def test_restore_refuses_lone_surrogates_and_changes_nothing(session, sqlite_dump, kind, field):
    lines, number = edited(sqlite_dump, surrogate_in(kind, field))
    before = totals(session)
    with pytest.raises(InvalidInput, match=f"^Line {number} of the dump: .*'{field}'.*surrogate"):
        restore_project(session, read_dump(lines))
    session.rollback()
    assert totals(session) == before


def nul_in(records):
    index = next(i for i, r in enumerate(records) if r["type"] == "annotation" and r["note"])
    records[index]["note"] = "before\x00after"
    return index + 1


def test_nul_characters_are_refused_by_postgresql_and_kept_by_sqlite(session, sqlite_dump):
    lines, number = edited(sqlite_dump, nul_in)
    if session.get_bind().dialect.name == "postgresql":
        before = totals(session)
        with pytest.raises(InvalidInput, match=f"^Line {number} of the dump: .*'note'.*NUL"):
            restore_project(session, read_dump(lines))
        session.rollback()
        assert totals(session) == before
        return
    restored, _, _ = restore_project(session, read_dump(lines))
    session.commit()
    assert list(dump_lines(session, restored)) == lines


OTHER_POSTGRES_URL = os.environ.get(
    "WORKBENCH_TEST_OTHER_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/wb_backup_other",
)


@pytest.fixture
def postgres_elsewhere():
    """Sessions on a PostgreSQL database of this test's own: a new schema, dropped
    afterwards, in OTHER_POSTGRES_URL's database (created when missing). It never
    touches the suite's database, so it can run beside a suite run on PostgreSQL."""
    url = make_url(OTHER_POSTGRES_URL)
    server = create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    try:
        with server.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                try:
                    conn.execute(text(f'CREATE DATABASE "{url.database}"'))
                except DBAPIError:  # another run created it meanwhile
                    pass
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {url.render_as_string()}: {exc.orig}")
    finally:
        server.dispose()
    schema = f"backup_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(
        url.render_as_string(hide_password=False),
        connect_args={"options": f"-c search_path={schema}"},
    )
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_a_sqlite_dump_restores_into_postgresql_identically(sqlite_dump, postgres_elsewhere):
    with postgres_elsewhere() as other:
        # Many servers sort text by a locale ("ann" before "Bea"), SQLite by code point.
        if other.scalar(text("SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'")):
            for table, column, size in (("users", "username", 80), ("labels", "value", 80)):
                other.execute(
                    text(
                        f"ALTER TABLE {table} ALTER COLUMN {column} "
                        f'TYPE varchar({size}) COLLATE "und-x-icu"'
                    )
                )
            other.commit()
        restored, created, _ = restore_project(other, read_dump(sqlite_dump))
        other.commit()
        assert sorted(created) == ["Bea", "ann", "mona"]
        assert list(dump_lines(other, restored)) == sqlite_dump
        other.commit()
        copy, _, _ = restore_project(other, read_dump(sqlite_dump), name="Copy")
        other.commit()
        copied = list(dump_lines(other, copy))
    # All but the project's name (line 2) and the closing digest, which covers that line.
    assert copied[2:-1] == sqlite_dump[2:-1]


def test_a_retired_target_stays_retired_and_a_version_1_dump_still_restores(session, tmp_path):
    project = build_project(session)
    lines = list(dump_lines(session, project))
    targets = [json.loads(line) for line in lines if '"type": "target"' in line]
    assert [t["retired"] for t in targets] == [False, True]
    engine, sessions = other_database(tmp_path)
    try:
        with sessions() as other:
            restored, _, _ = restore_project(other, read_dump(io.StringIO("".join(lines))))
            other.commit()
            assert [t.name for t in restored.targets] == [targets[0]["name"]]
        # Format version 1 had no "retired": its targets are all current.
        old = []
        for line in lines:
            record = json.loads(line)
            if record["type"] == "header":
                record["format_version"] = 1
            record.pop("retired", None)
            if record["type"] != "end":
                old.append(json.dumps(record) + "\n")
        with sessions() as other:
            old_dump = read_dump(io.StringIO("".join(old)))
            restored, _, warnings = restore_project(other, old_dump, name="Old")
            other.commit()
            assert [t.name for t in restored.targets] == [t["name"] for t in targets]
            assert len(warnings) == 1
            assert "format version 1" in warnings[0]
            assert "cannot be checked for completeness" in warnings[0]
    finally:
        engine.dispose()


@pytest.mark.parametrize("depth", [150, 100_000])
def test_restore_refuses_json_nested_too_deeply(session, sqlite_dump, depth):
    """The workbench never writes JSON nested more than a few levels; a hand-made
    file nested deeper is refused with its line, not a RecursionError."""
    lines = list(sqlite_dump)
    article = next(i for i, line in enumerate(lines) if '"type": "article"' in line)
    record = json.loads(lines[article])
    record["extra"] = {"deep": "@"}
    text = json.dumps(record).replace('"@"', "[" * depth + "]" * depth)
    lines[article] = text + "\n"
    with pytest.raises(InvalidInput, match=f"line {article + 1}|Line {article + 1}"):
        restore_project(session, read_dump(lines), name="Deep")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Project)) == 0


# -- complete dumps: a closing record with counts and a digest ---------------------------------


PLURALS = {
    "project": "projects",
    "target": "targets",
    "label": "labels",
    "member": "members",
    "speaker": "speakers",
    "article": "articles",
    "claim": "claims",
    "suggestion": "suggestions",
    "annotation": "annotations",
    "assignment": "assignments",
    "history": "history entries",
}


def test_a_dump_ends_with_counts_and_a_digest_of_what_came_before(sqlite_dump):
    end = json.loads(sqlite_dump[-1])
    assert json.loads(sqlite_dump[0])["counts"] == end["counts"]
    assert sorted(end["counts"]) == sorted(PLURALS)
    assert end["type"] == "end"
    records = [json.loads(line) for line in sqlite_dump[1:-1]]
    counts: dict[str, int] = {}
    for record in records:
        counts[record["type"]] = counts.get(record["type"], 0) + 1
    assert end["counts"] == counts
    assert counts["claim"] > 20 and counts["annotation"] == 4 and counts["history"] > 10
    body = "".join(sqlite_dump[:-1]).encode("utf-8")
    assert end["sha256"] == hashlib.sha256(body).hexdigest()
    assert json.loads(sqlite_dump[0])["format_version"] == FORMAT_VERSION == 7


@pytest.mark.parametrize("keep", [1, 2, 20, 30, 60, -1])
def test_a_dump_cut_at_a_line_break_is_refused_and_changes_nothing(session, sqlite_dump, keep):
    """The issue's reproduction: ``head -n 60`` of a dump (and other cuts: every
    line but the closing one too) is refused, naming why, and nothing is written."""
    lines = sqlite_dump[:keep]
    header = json.loads(sqlite_dump[0])
    have = {}
    for line in lines[1:]:
        kind = json.loads(line)["type"]
        have[kind] = have.get(kind, 0) + 1
    expected = header["counts"]
    missing = [  # in dump order
        f"{have.get(kind, 0)} of {expected[kind]} {PLURALS[kind]}"
        for kind in PLURALS
        if have.get(kind, 0) != expected.get(kind, 0)
    ]
    before = totals(session)
    with pytest.raises(InvalidInput) as caught:
        restore_project(session, read_dump(lines), name="P1-cut")
    message = "The dump has no closing record: it is cut short or not a whole dump."
    if missing:
        listed = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
        message += f" It has {listed}."
    assert caught.value.message == message
    session.rollback()
    assert totals(session) == before


def test_a_dump_cut_in_the_middle_of_a_line_is_refused(session, sqlite_dump):
    text_ = "".join(sqlite_dump)
    middle = text_.index('"type": "annotation"') + 30
    before = totals(session)
    with pytest.raises(InvalidInput, match="cut short") as caught:
        restore_project(session, read_dump(io.StringIO(text_[:middle])), name="P1-cut")
    number = text_[:middle].count("\n") + 1
    assert caught.value.message.startswith(f"Line {number} of the dump")
    session.rollback()
    assert totals(session) == before


def test_a_dump_cut_inside_a_character_is_refused(session, sqlite_dump):
    data = "".join(sqlite_dump).encode("utf-8")
    middle = data.index("’".encode()) + 1  # inside the three bytes of a character
    cut = io.BytesIO(data[:middle])
    with pytest.raises(InvalidInput, match="cut short in the middle of a line") as caught:
        restore_project(session, read_dump(cut), name="P1-cut")
    number = data[:middle].count(b"\n") + 1
    assert caught.value.message.startswith(f"Line {number} of the dump")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Project)) == 0


def test_a_dump_with_lines_removed_names_what_is_missing(session, sqlite_dump):
    records = [json.loads(line) for line in sqlite_dump]
    annotations = [i for i, r in enumerate(records) if r["type"] == "annotation"]
    history = [i for i, r in enumerate(records) if r["type"] == "history"]
    removed = {annotations[1], history[3], history[4]}
    lines = [line for i, line in enumerate(sqlite_dump) if i not in removed]
    before = totals(session)
    with pytest.raises(InvalidInput) as caught:
        restore_project(session, read_dump(lines), name="P1-cut")
    assert caught.value.message == (
        f"The dump is incomplete: it has 3 of 4 annotations and {len(history) - 2} of "
        f"{len(history)} history entries. Restore a whole dump."
    )
    session.rollback()
    assert totals(session) == before


def test_a_dump_changed_after_it_was_written_is_refused(session, sqlite_dump):
    lines = list(sqlite_dump)
    index = next(i for i, line in enumerate(lines) if '"type": "annotation"' in line)
    record = json.loads(lines[index])
    record["note"] = "changed by hand"
    lines[index] = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    before = totals(session)
    with pytest.raises(InvalidInput, match="does not match the digest") as caught:
        restore_project(session, read_dump(lines), name="Changed")
    assert caught.value.message.startswith(f"Line {len(lines)} of the dump")
    session.rollback()
    assert totals(session) == before


def test_nothing_may_follow_the_closing_record(session, sqlite_dump):
    lines = [*sqlite_dump, sqlite_dump[-2]]
    with pytest.raises(InvalidInput, match=f"^Line {len(lines)} of the dump: .*closing record"):
        restore_project(session, read_dump(lines), name="More")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Project)) == 0


@pytest.mark.parametrize("version", [1, 2])
def test_a_dump_of_an_older_format_restores_with_a_warning(session, sqlite_dump, version):
    records = [json.loads(line) for line in sqlite_dump[:-1]]
    records[0]["format_version"] = version
    if version == 1:
        for record in records:
            record.pop("retired", None)
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records]
    restored, _, warnings = restore_project(session, read_dump(lines), name="Old")
    session.commit()
    assert warnings == [
        f"The dump has format version {version}, from before dumps ended with a closing "
        "record: it cannot be checked for completeness. Compare the restored project "
        "with the one dumped."
    ]
    assert len(restored.articles) == 1
    whole, _, warnings = restore_project(session, read_dump(sqlite_dump), name="Whole")
    assert warnings == []


# -- restore applies the rules of the forms and importers ---------------------------------------


def set_record(kind, index, **changes):
    """Change the ``index``-th record of ``kind`` (0 for the first)."""

    def edit(records):
        at = [i for i, r in enumerate(records) if r["type"] == kind][index]
        records[at].update(changes)
        return at + 1

    return edit


def merge_speakers_in_cycle(*pairs):
    def edit(records):
        speakers = [i for i, r in enumerate(records) if r["type"] == "speaker"]
        for index, into in pairs:
            records[speakers[index]]["merged_into"] = into
        return min(speakers[index] for index, _ in pairs) + 1

    return edit


def change_text(change):
    def edit(records):
        at = first_of(records, "article")
        records[at]["text"] = change(records[at]["text"])
        return at + 1

    return edit


def second_article_claim(records):
    """A second article with one claim, and claim 6 merged into that claim."""
    at = first_of(records, "article")
    other = dict(records[at], key=2, text="Another article.", title="Other")
    other["content_hash"] = hashlib.sha256(b"Another article.").hexdigest()
    records.insert(at + 1, other)
    last = max(i for i, r in enumerate(records) if r["type"] == "claim")
    claim = dict(records[last], key=99, article=2, start=0, end=16, position=1)
    claim.update(state="active", merged_into=None)
    records.insert(last + 1, claim)
    merged = next(i for i, r in enumerate(records) if r["type"] == "claim" and r["merged_into"])
    records[merged]["merged_into"] = 99
    return merged + 1


def set_stance_value(records):
    index = next(i for i, r in enumerate(records) if r["type"] == "annotation" and r["stances"])
    key = next(iter(records[index]["stances"]))
    records[index]["stances"][key] = "maybe"
    return index + 1


def overlapping_claim(records):
    claims = [i for i, r in enumerate(records) if r["type"] == "claim" and r["state"] == "active"]
    records[claims[1]]["start"] = records[claims[0]]["end"] - 5
    return claims[1] + 1


BROKEN_RULES = {
    "username with a space and markup": (
        set_field("member", "username", "evil user <b>"),
        "'evil user <b>'",
    ),
    "username like a formula": (
        set_field("member", "username", "=cmd|' /C calc'!A0"),
        "A username is 1 to 80 letters, digits or . _ @ - (no spaces).",
    ),
    "username ending in a line break": (
        set_field("member", "username", "mona\n"),
        "A username is 1 to 80 letters, digits or . _ @ - (no spaces).",
    ),
    "username differing only in case from another in the dump": (
        set_record("annotation", 1, annotator="ANN"),
        "The username 'ann' is taken",
    ),
    "speaker name with runs of spaces": (
        set_record("speaker", 2, name="Tasnim  News"),
        "'Tasnim  News'",
    ),
    "speaker name naming another in another case": (
        set_record("speaker", 2, name="mohammad baqeri"),
        "already names the speaker 'Mohammad Baqeri'",
    ),
    "speaker alias naming another's alias": (
        set_record("speaker", 2, aliases=["baqeri"]),
        "The alias 'baqeri' already names the speaker 'Mohammad Baqeri'.",
    ),
    "speaker alias that is its own name": (
        set_record("speaker", 2, aliases=["Tasnim"]),
        "'Tasnim'",
    ),
    "speaker merged into itself": (merge_speakers_in_cycle((2, 3)), "cycle"),
    "speakers merged into each other": (merge_speakers_in_cycle((0, 2), (1, 1)), "cycle"),
    "speakers merged in a longer cycle": (
        merge_speakers_in_cycle((0, 3), (2, 2), (1, 1)),
        "cycle",
    ),
    "stance not a label": (set_stance_value, "Unknown stance label 'maybe'"),
    "attribution not a label": (
        set_record("annotation", 0, attribution="shouted"),
        "Unknown attribution label 'shouted'",
    ),
    "verifiability not a label": (
        set_record("annotation", 0, verifiability="bogus"),
        "Unknown verifiability label 'bogus'",
    ),
    "codebook version below 1": (set_field("project", "codebook_version", -1), "-1"),
    "annotation codebook version 0": (set_record("annotation", 0, codebook_version=0), "0"),
    "content hash of another text": (
        set_field("article", "content_hash", "0" * 64),
        "content hash",
    ),
    "text with carriage returns": (
        change_text(lambda t: t[:30] + "\r\n" + t[30:]),
        "normalis",
    ),
    "text with a control character": (change_text(lambda t: t[:20] + "\x07" + t[20:]), "normalis"),
    "text with spaces around it": (change_text(lambda t: t + "  "), "normalis"),
    "overlapping active claims": (overlapping_claim, "overlap"),
    "claim merged into itself": (set_record("claim", 5, merged_into=6), "cycle"),
    "claims merged into each other": (
        set_record("claim", 4, merged_into=6, state="merged"),
        "cycle",
    ),
    "claim merged into a claim of another article": (second_article_claim, "another article"),
}


@pytest.mark.parametrize(("edit", "message"), BROKEN_RULES.values(), ids=BROKEN_RULES.keys())
def test_restore_refuses_what_the_forms_and_importers_refuse(session, sqlite_dump, edit, message):
    lines, number = edited(sqlite_dump, edit)
    before = totals(session)
    with pytest.raises(InvalidInput, match=re.escape(message)) as caught:
        restore_project(session, read_dump(lines), name="Bad")
    assert caught.value.message.startswith(f"Line {number} of the dump: "), caught.value.message
    session.rollback()
    assert totals(session) == before


def test_restore_refuses_a_username_differing_in_case_from_an_account_here(session, sqlite_dump):
    make_user(session, "MONA")
    session.commit()

    def mona(records):
        return next(i for i, r in enumerate(records) if r.get("username") == "mona") + 1

    lines, number = edited(sqlite_dump, mona)
    before = totals(session)
    with pytest.raises(InvalidInput, match=f"^Line {number} of the dump: .*'MONA' is taken"):
        restore_project(session, read_dump(lines), name="Bad")
    session.rollback()
    assert totals(session) == before


def test_a_restore_keeps_a_note_as_the_dump_has_it(session, sqlite_dump):
    """Saves store notes with LF; a restore keeps what the dump has (a note saved with
    CRLF before that rule comes back as it was), so dump -> restore -> dump is identical."""

    def crlf_note(records):
        index = next(i for i, r in enumerate(records) if r["type"] == "annotation" and r["note"])
        records[index]["note"] = "kept\r\nas it was"
        return index + 1

    lines, _ = edited(sqlite_dump, crlf_note)
    restored, _, _ = restore_project(session, read_dump(lines))
    session.commit()
    assert list(dump_lines(session, restored)) == lines
    session.rollback()
    notes = session.scalars(
        select(Annotation.note).join(Claim).join(Article).where(Article.project_id == restored.id)
    ).all()
    assert "kept\r\nas it was" in notes
