"""Preparing a large import in worker processes (ops/preparing.py, suggest/worker.py):
the same results as preparing in the importing process, whatever happens to a worker."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

import workbench.ops.preparing as preparing
from tests.conftest import make_project
from workbench.importing import ArticleDraft, Rejection, content_hash, parse_file
from workbench.models import Article, Claim, ImportJob, Suggestion
from workbench.ops.articles import prepare_item
from workbench.ops.preparing import Preparer
from workbench.resources import resource_dir
from workbench.suggest import RegistrySpeaker
from workbench.suggest import worker as worker_module
from workbench.suggest.stored import Registry

SEED = (resource_dir("seeds") / "iran-iraq-military-talks.txt").read_text(encoding="utf-8")
REGISTRY = Registry(
    speakers=(
        RegistrySpeaker(name="Amir Hatami", type="person", title="Defense Minister", id=7),
        RegistrySpeaker(name="Mehr News Agency", type="outlet", aliases=("Mehr",), id=8),
    ),
    ids=frozenset({7, 8}),
    by_name={"amir hatami": 7, "mehr news agency": 8},
)
MAX_CLAIMS = 40
KNOWN = "A text the project has already. It is a duplicate."


def _items() -> list:
    """Every kind of item an import meets, duplicates of each kind included."""
    long_one = "Ab. " * 100  # more than MAX_CLAIMS claims
    return [
        ArticleDraft(text=SEED, title="Seed", outlet="Mehr News Agency", source="a line 1"),
        Rejection(source="a line 2", reason="not JSON"),
        ArticleDraft(text="   \n", source="a line 3"),
        ArticleDraft(text=long_one, source="a line 4"),
        ArticleDraft(text=KNOWN, source="a line 5"),
        ArticleDraft(text="  " + SEED + "\n", title="Again", source="a line 6"),
        ArticleDraft(text=long_one, source="a line 7"),
        ArticleDraft(text="Hatami said the talks went well. \"We agree,\" he added.", source="8"),
        ArticleDraft(text="x" * 400, author="y" * 400, source="a line 9"),  # author too long
        *(
            ArticleDraft(text=f"{i} soldiers arrived, Mehr reported. Talks go on.", source=f"n{i}")
            for i in range(30)
        ),
    ]


def _inline(items, known):
    return [prepare_item(i, known, max_claims=MAX_CLAIMS, registry=REGISTRY) for i in items]


def _pooled(items, known, workers=2, **options):
    with Preparer(
        known, registry=REGISTRY, max_claims=MAX_CLAIMS, workers=workers, min_chars=0, **options
    ) as preparer:
        return list(preparer.prepare(items))


def test_workers_prepare_exactly_what_the_importing_process_does(monkeypatch):
    monkeypatch.setattr(preparing, "CHUNK_CHARS", 300)  # many chunks, over both workers
    items = _items()
    known_inline, known_pooled = {content_hash(KNOWN)}, {content_hash(KNOWN)}
    expected = _inline(items, known_inline)
    got = _pooled(items, known_pooled)
    assert got == expected
    assert known_pooled == known_inline
    statuses = [getattr(r, "status", "prepared") for r in got[:9]]
    assert statuses == [
        "prepared", "rejected", "rejected", "rejected", "duplicate",
        "duplicate", "rejected", "prepared", "rejected",
    ]  # fmt: skip
    assert got[3].reason == got[6].reason and "20,000" not in got[3].reason


def test_the_worker_makes_the_same_split_and_rows_as_prepare_item():
    for text in (SEED, "Hatami said: \"We are ready.\" He left.", "Ab. " * 100):
        try:
            split, encoded = worker_module.split_and_suggest(text, "Mehr", REGISTRY, MAX_CLAIMS)
        except worker_module.TooManySpans:
            split = encoded = None
        prepared = prepare_item(
            ArticleDraft(text=text, outlet="Mehr"), set(), max_claims=MAX_CLAIMS, registry=REGISTRY
        )
        if split is None:
            assert prepared.status == "rejected"
            continue
        assert (prepared.split, prepared.suggested) == (split, encoded)
        assert worker_module.unpack(worker_module.pack(split, encoded)) == (split, encoded)


def test_a_small_import_starts_no_worker(monkeypatch):
    def no_worker(*args, **kwargs):
        raise AssertionError("a worker was started")

    monkeypatch.setattr(preparing, "_Worker", no_worker)
    with Preparer(set(), registry=REGISTRY, max_claims=MAX_CLAIMS, workers=2) as preparer:
        assert len(list(preparer.prepare(_items()))) == len(_items())
    with Preparer(set(), registry=REGISTRY, max_claims=MAX_CLAIMS, workers=0, min_chars=0) as p:
        assert len(list(p.prepare(_items()))) == len(_items())
    # A large file imported again: every text is a duplicate, nothing is left to prepare.
    items = [ArticleDraft(text=SEED + f" Number {i}.") for i in range(20)]
    known = {content_hash(i.text) for i in items}
    with Preparer(known, registry=REGISTRY, max_claims=MAX_CLAIMS, workers=2, min_chars=100) as p:
        assert {r.status for r in p.prepare(items)} == {"duplicate"}


def test_imports_at_once_share_the_process_s_worker_slots(monkeypatch):
    monkeypatch.setattr(preparing, "SLOTS", preparing._Slots(3))
    items = _items()
    first = Preparer(set(), registry=REGISTRY, max_claims=MAX_CLAIMS, workers=2, min_chars=0)
    second = Preparer(set(), registry=REGISTRY, max_claims=MAX_CLAIMS, workers=2, min_chars=0)
    third = Preparer(set(), registry=REGISTRY, max_claims=MAX_CLAIMS, workers=2, min_chars=0)
    with first, second, third:
        results = [list(p.prepare(items)) for p in (first, second, third)]
        assert [len(p._pool) for p in (first, second, third)] == [2, 1, 0]
    assert results[0] == results[1] == results[2] == _inline(items, set())
    assert preparing.SLOTS.taken == 0  # all given back
    with Preparer(set(), registry=REGISTRY, max_claims=MAX_CLAIMS, workers=2, min_chars=0) as p:
        list(p.prepare(items))
        assert len(p._pool) == 2


def test_a_worker_that_cannot_start_costs_only_speed(monkeypatch, caplog):
    monkeypatch.setattr(preparing.sys, "executable", "/nonexistent/python")
    items = _items()
    with caplog.at_level(logging.WARNING, logger="workbench.ops.preparing"):
        got = _pooled(items, set())
    assert got == _inline(items, set())
    assert "could not start a worker" in caplog.text
    assert preparing.SLOTS.taken == 0


def test_a_worker_killed_midway_costs_only_speed(monkeypatch, caplog):
    monkeypatch.setattr(preparing, "CHUNK_CHARS", 200)
    real_send = preparing._Worker.send
    sends = []

    def send_then_kill(worker, chunk):
        sends.append(1)
        real_send(worker, chunk)
        if len(sends) == 5:  # killed while it has chunks to answer
            worker.process.kill()

    monkeypatch.setattr(preparing._Worker, "send", send_then_kill)
    items = _items()
    with caplog.at_level(logging.WARNING, logger="workbench.ops.preparing"):
        got = _pooled(items, set())
    assert got == _inline(items, set())
    assert len(sends) > 5
    assert "an import worker stopped" in caplog.text


def test_an_error_in_a_worker_fails_the_import_with_it():
    bad = Registry(speakers=(RegistrySpeaker(name=None, type="person", id=1),), ids=frozenset({1}))
    items = [ArticleDraft(text="Hatami said the talks went well.", source="x")]
    with pytest.raises(Exception) as inline:
        prepare_item(items[0], set(), max_claims=MAX_CLAIMS, registry=bad)
    with pytest.raises(RuntimeError, match="preparing an article failed") as pooled:
        with Preparer(set(), registry=bad, max_claims=MAX_CLAIMS, workers=1, min_chars=0) as p:
            list(p.prepare(items))
    assert type(inline.value).__name__ in str(pooled.value)


def test_the_worker_protocol_answers_each_chunk_and_ends_with_its_input():
    source = io.BytesIO()
    worker_module.write_message(source, (REGISTRY, MAX_CLAIMS))
    worker_module.write_message(source, [("Hatami said the talks went well.", "Mehr")])
    worker_module.write_message(source, [("Ab. " * 100, ""), ("One. Two.", "")])
    source.write(b"\x00\x00")  # a message cut short: the worker just ends
    source.seek(0)
    sink = io.BytesIO()
    worker_module.serve(source, sink)
    sink.seek(0)
    ready, first, second = (worker_module.read_message(sink) for _ in range(3))
    assert ready[0] == "ready"
    assert first[0] == "done" and len(first[1]) == 1
    assert second[0] == "done" and second[1][0] is None and second[1][1] is not None
    with pytest.raises(EOFError):
        worker_module.read_message(sink)


def test_workers_end_when_the_importing_process_dies(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys\n"
        "from workbench.ops.preparing import Preparer\n"
        "from workbench.importing import ArticleDraft\n"
        "p = Preparer(set(), registry=None, max_claims=100, workers=2, min_chars=0)\n"
        "next(p.prepare([ArticleDraft(text='One. Two.')] * 3))\n"
        "print(' '.join(str(w.process.pid) for w in p._pool), flush=True)\n"
        "os._exit(0)\n",
        encoding="utf-8",
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": root},
    ).stdout
    pids = [int(p) for p in out.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 20
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in pids if _running(pid)]
        time.sleep(0.1)
    assert alive == []


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_an_import_job_stores_the_same_with_and_without_workers(session_factory, monkeypatch):
    """The whole job: articles, claims and every suggestion row, workers or not."""
    from workbench.jobs import ImportSource, run_import
    from workbench.ops.import_jobs import create_import_job

    monkeypatch.setattr(preparing, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(preparing, "CHUNK_CHARS", 2_000)
    lines = [SEED, *(f"Talks number {i} went well, Hatami said. He left." for i in range(40))]
    data = "".join(json.dumps({"text": t, "outlet": "Mehr News Agency"}) + "\n" for t in lines)
    stored = []
    for name, workers in (("Inline", 0), ("Pooled", 2)):
        with session_factory() as s:
            project = make_project(s, name)
            job = create_import_job(s, project, None, description="f.jsonl", files_total=1)
            s.commit()
            project_id, job_id = project.id, job.id
        status = run_import(
            session_factory,
            job_id,
            [ImportSource("f.jsonl", data=data.encode())],
            workers=workers,
        )
        assert status == "done"
        with session_factory() as s:
            assert s.get(ImportJob, job_id).imported == len(lines)
            stored.append(
                s.execute(
                    select(
                        Article.text,
                        Article.wire_source,
                        Claim.position,
                        Claim.start,
                        Claim.end,
                        Suggestion.field,
                        Suggestion.value,
                        Suggestion.confidence,
                        Suggestion.reason,
                        Suggestion.evidence,
                    )
                    .join(Claim, Claim.article_id == Article.id)
                    .join(Suggestion, Suggestion.claim_id == Claim.id)
                    .where(Article.project_id == project_id)
                    .order_by(Article.id, Claim.position, Suggestion.field)
                ).all()
            )
    assert len(stored[0]) > 4 * len(lines)
    assert [tuple(r) for r in stored[1]] == [tuple(r) for r in stored[0]]


def test_parse_file_items_go_through_the_workers_too(monkeypatch):
    monkeypatch.setattr(preparing, "CHUNK_CHARS", 100)
    data = "".join(json.dumps({"text": f"Claim {i}. Another {i}."}) + "\n" for i in range(20))
    items = parse_file("f.jsonl", data.encode() + b"{broken\n")
    assert _pooled(items, set()) == _inline(items, set())


def test_workers_start_early_for_a_large_import_only():
    with Preparer(set(), registry=REGISTRY, max_claims=MAX_CLAIMS, workers=1, min_chars=100) as p:
        p.warm_up(99)
        assert p._pool is None
        p.warm_up(100)
        assert len(p._pool) == 1
        started = p._pool[0]
        assert list(p.prepare(_items())) == _inline(_items(), set())
        assert p._pool == [started]  # the same worker, not a second one
