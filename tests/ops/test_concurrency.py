"""Concurrent saves of one annotation, from threads and from processes, on the
test database (SQLite or PostgreSQL): every accepted save is in the history,
the final version counts them, and no save is silently lost."""

from __future__ import annotations

import multiprocessing as mp
import threading

from sqlalchemy import func, select

from tests.conftest import make_project, make_user
from workbench.db import begin_write, make_engine, make_session_factory
from workbench.errors import Conflict
from workbench.importing import parse_pasted
from workbench.models import Annotation, HistoryEntry, User
from workbench.ops.annotations import AnnotationInput, annotation_state, store_annotation
from workbench.ops.articles import import_items

ROUNDS = 15


def arrange(session):
    user = make_user(session, "ann")
    project = make_project(session, "Concurrency", annotators=[user])
    import_items(session, project, parse_pasted("One claim. Another claim."), user=None)
    claim = project.articles[0].claims[0]
    ids = project.id, claim.id, user.id
    session.commit()
    return ids


def save_rounds(url: str, project_id: int, claim_id: int, user_id: int, worker: int) -> dict:
    """Read the current version, then save on top of it; repeat. Return what happened."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    accepted: list[str] = []
    conflicts = 0
    try:
        for i in range(ROUNDS):
            note = f"worker {worker} round {i}"
            with sessions() as session:
                # As the API does: read the state, end that transaction, then write
                # (another save can come between; the write itself must catch it).
                user = session.get(User, user_id)
                state = annotation_state(session, user, project_id, claim_id)
                session.commit()
                begin_write(session)
                try:
                    store_annotation(
                        session, state, user, AnnotationInput(note=note), base_version=state.version
                    )
                    session.commit()
                    accepted.append(note)
                except Conflict:
                    session.rollback()
                    conflicts += 1
    finally:
        engine.dispose()
    return {"accepted": accepted, "conflicts": conflicts}


def _process_entry(args, queue):
    queue.put(save_rounds(*args))


def check(session, claim_id, results):
    accepted = [note for r in results for note in r["accepted"]]
    assert accepted, "no save was accepted"
    history = session.scalars(
        select(HistoryEntry.after).where(
            HistoryEntry.entity == "annotation", HistoryEntry.claim_id == claim_id
        )
    ).all()
    assert sorted(h["note"] for h in history) == sorted(accepted)
    assert len(set(accepted)) == len(accepted)
    annotation = session.scalar(select(Annotation).where(Annotation.claim_id == claim_id))
    assert annotation.version == len(accepted)
    assert session.scalar(select(func.count()).select_from(Annotation)) == 1
    total = sum(len(r["accepted"]) + r["conflicts"] for r in results)
    assert total == ROUNDS * len(results)


def test_threads_never_lose_a_save(session, database_url):
    project_id, claim_id, user_id = arrange(session)
    results: list[dict] = []
    lock = threading.Lock()

    def run(worker):
        result = save_rounds(database_url, project_id, claim_id, user_id, worker)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 6
    session.rollback()  # end the read snapshot taken before the workers ran
    check(session, claim_id, results)


def test_processes_never_lose_a_save(session, database_url):
    project_id, claim_id, user_id = arrange(session)
    context = mp.get_context("spawn")
    queue = context.Queue()
    procs = [
        context.Process(
            target=_process_entry,
            args=((database_url, project_id, claim_id, user_id, w), queue),
        )
        for w in range(4)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    session.rollback()  # end the read snapshot taken before the workers ran
    check(session, claim_id, results)
