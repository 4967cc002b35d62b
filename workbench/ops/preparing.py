"""Preparing a large import's articles in worker processes while this one stores them.

Before a batch of articles is stored, each article is prepared: checked, split into
claims, run through the suggester, its suggestion rows encoded (ops.articles
.prepare_item). For a large import that is most of the work, and it needs nothing
from the database, so a ``Preparer`` hands it to worker processes
(``python -m workbench.suggest.worker``, pure: no Flask, no database) and yields the
prepared articles in their order while the caller stores the batches before: on a
machine with two cores the import runs on both.

What stays here, in order, is the cheap part: normalising, the checks, the content
hash and the duplicate check (against the project's texts and the import's own).
An import of less than ``POOL_MIN_BYTES`` of text is prepared here as before, as is
everything when ``workers`` is 0 (WORKBENCH_IMPORT_WORKERS). A worker that cannot
start or stops midway (killed, out of memory) costs nothing but speed: what it had
not answered is prepared here. An error of the suggester itself fails the import as
it would without workers. Workers end with the Preparer (``close``, or the end of a
``with`` block), and by themselves when this process exits.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import workbench
from workbench.importing import ArticleDraft, ImportItem
from workbench.ops.articles import (
    ItemResult,
    PreparedArticle,
    check_item,
    duplicate_of,
    prepare_item,
    too_many_claims,
)
from workbench.suggest.stored import Registry
from workbench.suggest.worker import read_message, unpack, write_message

logger = logging.getLogger(__name__)

# Below this much text an import is prepared in its own process (starting workers
# costs more than they save).
POOL_MIN_BYTES = 500_000
# Texts go to a worker in chunks of about this many characters...
CHUNK_CHARS = 64_000
# ...and at most this many characters are out with the workers at a time, so that
# they keep working while a batch is stored, and memory stays bounded.
WINDOW_CHARS = 4_000_000
# How long a worker may take to start and answer its set-up.
START_SECONDS = 30.0


def default_workers() -> int:
    """The number of worker processes when WORKBENCH_IMPORT_WORKERS is not set: one a
    core, at most 4 (the storing process keeps one busy too)."""
    return max(1, min(4, os.cpu_count() or 1))


class _Slots:
    """How many worker processes the imports of this process may run at once: imports
    that start while all are taken prepare their articles themselves, so that ten
    uploads at once do not start twenty processes on a two-core server."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.taken = 0
        self.lock = threading.Lock()

    def take(self, wanted: int) -> int:
        with self.lock:
            granted = max(0, min(wanted, self.total - self.taken))
            self.taken += granted
            return granted

    def give_back(self, count: int) -> None:
        with self.lock:
            self.taken -= count


# Shared by the imports of this process (threads of a web worker): the one piece of
# state kept across calls, a counter, by design.
SLOTS = _Slots(4)


class WorkerFailed(Exception):
    """A worker process could not start, or stopped, or broke the protocol."""


class WorkerError(Exception):
    """Preparing raised in a worker process: the suggester's or the splitter's error."""


class _Worker:
    """One worker process, with a writer thread that sends it chunks and a reader
    thread that collects its answers: the pipes hold 64 KB, a chunk's answer is ten
    times that, and the worker must go on with the next chunk while this process is
    busy storing, not wait until it reads."""

    def __init__(self, registry: Registry | None, max_claims: int) -> None:
        root = str(Path(workbench.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workbench.suggest.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            raise WorkerFailed(f"could not start a worker: {exc}") from exc
        self.pending = 0  # chunks sent and not answered yet
        self.outbox: queue.Queue[object] = queue.Queue()
        self.inbox: queue.Queue[tuple[bool, object]] = queue.Queue()
        self.threads = [
            threading.Thread(target=target, name=f"import-worker-{name}", daemon=True)
            for target, name in ((self._write, "writer"), (self._read, "reader"))
        ]
        for thread in self.threads:
            thread.start()
        self.outbox.put((registry, max_claims))

    def wait_ready(self) -> None:
        """Wait for the worker's answer to its set-up (the workers of an import start
        side by side, then each is waited for). Raises WorkerFailed, having closed it,
        when it does not answer in time or answers something else."""
        try:
            answer = self._next(timeout=START_SECONDS)
        except WorkerFailed:
            self.close()
            raise
        if not (isinstance(answer, tuple) and answer[:1] == ("ready",)):
            self.close()
            raise WorkerFailed(f"the worker answered {answer!r} to its set-up")

    def _write(self) -> None:
        stream = self.process.stdin
        try:
            while (message := self.outbox.get()) is not None:
                write_message(stream, message)
        except (OSError, ValueError):
            pass  # the worker stopped: the reader sees it
        finally:
            try:
                stream.close()
            except OSError:
                pass

    def _read(self) -> None:
        while True:
            try:
                message = read_message(self.process.stdout)
            except (EOFError, OSError, ValueError) as exc:
                self.inbox.put((False, f"the worker stopped ({exc})"))
                return
            except Exception as exc:  # an unreadable message
                self.inbox.put((False, f"the worker's answer could not be read ({exc})"))
                return
            self.inbox.put((True, message))

    def _next(self, timeout: float | None = None) -> object:
        try:
            ok, message = self.inbox.get(timeout=timeout)
        except queue.Empty:
            raise WorkerFailed(f"the worker did not answer within {timeout:g} s") from None
        if not ok:
            raise WorkerFailed(str(message))
        return message

    def send(self, chunk: list[tuple[str, str]]) -> None:
        self.pending += 1
        self.outbox.put(chunk)

    def receive(self) -> list:
        """Return the answers to the oldest chunk sent. Raises WorkerFailed when the
        worker stopped, WorkerError when preparing raised there."""
        answer = self._next()
        self.pending -= 1
        if isinstance(answer, tuple) and len(answer) == 2:
            kind, payload = answer
            if kind == "done" and isinstance(payload, list):
                return payload
            if kind == "error":
                raise WorkerError(str(payload))
        raise WorkerFailed(f"the worker broke the protocol ({type(answer).__name__})")

    def close(self) -> None:
        """End the worker: at once when it has chunks not answered yet (the import
        stopped), else when it has read the end of its input."""
        self.outbox.put(None)
        if self.pending:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for thread in self.threads:
            thread.join(timeout=5)  # both end with the process's pipes
        self.process.stdout.close()


class Preparer:
    """Prepares an import's items, in order, in worker processes when it is large.

    ``known`` are the content hashes the project has; the hashes of the articles
    prepared are added to it, so a text that comes twice is a duplicate the second
    time, across the calls of ``prepare`` too. Use it as a context manager (or call
    ``close``): that ends the workers.
    """

    def __init__(
        self,
        known: set[str],
        *,
        registry: Registry | None,
        max_claims: int,
        workers: int,
        min_chars: int | None = None,
    ) -> None:
        self.known = known
        self.registry = registry
        self.max_claims = max_claims
        self.workers = max(0, workers)
        self.min_chars = POOL_MIN_BYTES if min_chars is None else min_chars
        self._pool: list[_Worker] | None = None
        self._slots = 0  # taken from SLOTS, given back by close

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        for worker in pool or ():
            worker.close()
        SLOTS.give_back(self._slots)
        self._slots = 0

    def _inline(self, item: ImportItem) -> PreparedArticle | ItemResult:
        return prepare_item(item, self.known, max_claims=self.max_claims, registry=self.registry)

    def _start(self) -> list[_Worker]:
        if self._pool is None:
            pool: list[_Worker] = []
            self._slots = SLOTS.take(self.workers)
            try:
                for _ in range(self._slots):
                    pool.append(_Worker(self.registry, self.max_claims))
                for worker in pool:
                    worker.wait_ready()
            except WorkerFailed as exc:
                logger.warning("import workers: %s; preparing in this process", exc)
                for worker in pool:
                    worker.close()
                pool = []
                SLOTS.give_back(self._slots)
                self._slots = 0
            self._pool = pool
        return self._pool

    def warm_up(self, size: int) -> None:
        """Start the workers now when an import of about ``size`` characters will need
        them (a file's size in bytes will do), so that they start while its files are
        read and parsed."""
        if self.workers and size >= self.min_chars:
            self._start()

    def prepare(self, items: Sequence[ImportItem]) -> Iterator[PreparedArticle | ItemResult]:
        """Yield each item's PreparedArticle, or its result when it is rejected or a
        duplicate (see ops.articles.prepare_item), in the order of ``items``."""
        size = sum(len(getattr(item, "text", "")) for item in items)
        if not self.workers or size < self.min_chars:
            for item in items:
                yield self._inline(item)
            return
        yield from self._prepare_with(items)

    def _prepare_with(self, items: Sequence[ImportItem]) -> Iterator[PreparedArticle | ItemResult]:
        # The cheap checks here, in order; a text the import has twice goes out once.
        entries: list[ItemResult | tuple[ArticleDraft, str] | _Again] = []
        first: dict[str, int] = {}
        for item in items:
            checked = check_item(item, self.known)
            if isinstance(checked, tuple):
                digest = checked[1]
                if digest in first:
                    entries.append(_Again(first[digest], checked[0]))
                    continue
                first[digest] = len(entries)
            entries.append(checked)
        chunks: list[list[int]] = []  # indices into entries, in order
        size = CHUNK_CHARS
        for index, entry in enumerate(entries):
            if isinstance(entry, tuple):
                if size >= CHUNK_CHARS:
                    chunks.append([])
                    size = 0
                chunks[-1].append(index)
                size += len(entry[0].text)
        chunk_chars = [sum(len(entries[i][0].text) for i in chunk) for chunk in chunks]
        # Workers only for what is left to prepare once duplicates are known.
        pool = self._start() if sum(chunk_chars) >= self.min_chars else []
        sent = 0  # chunks sent (chunk k goes to worker k % len(pool))
        out = 0  # characters sent and not yet received
        failed = not pool  # no worker, or one stopped: the rest is prepared here
        received: dict[int, PreparedArticle | ItemResult] = {}
        outcome: dict[int, PreparedArticle | ItemResult] = {}  # of texts that come again
        again = {e.first for e in entries if isinstance(e, _Again)}

        def fill() -> None:
            nonlocal sent, out
            while not failed and sent < len(chunks) and (out < WINDOW_CHARS or sent == 0):
                texts = [(entries[i][0].text, entries[i][0].outlet) for i in chunks[sent]]
                pool[sent % len(pool)].send(texts)
                out += chunk_chars[sent]
                sent += 1

        fill()
        next_chunk = 0
        for index, entry in enumerate(entries):
            if isinstance(entry, ItemResult):
                yield entry
                continue
            if isinstance(entry, _Again):
                yield entry.result(outcome[entry.first])
                continue
            if index not in received:
                if not failed:
                    try:
                        answers = pool[next_chunk % len(pool)].receive()
                        if len(answers) != len(chunks[next_chunk]):
                            raise WorkerFailed("the worker answered another number of texts")
                    except WorkerFailed as exc:
                        logger.warning("an import worker stopped: %s; preparing here", exc)
                        failed = True
                    except WorkerError as exc:
                        raise RuntimeError(f"preparing an article failed: {exc}") from exc
                if failed:
                    answers = [None] * len(chunks[next_chunk])
                for i, answer in zip(chunks[next_chunk], answers, strict=True):
                    received[i] = self._finish(entries[i], answer, failed)
                out -= chunk_chars[next_chunk]
                next_chunk += 1
                fill()
            result = received.pop(index)
            if index in again:
                outcome[index] = result
            yield result
        if failed:
            self.close()
            self._pool = []

    def _finish(
        self, entry: tuple[ArticleDraft, str], answer, failed: bool
    ) -> PreparedArticle | ItemResult:
        draft, digest = entry
        if failed:
            return self._inline(draft)
        if answer is None:
            return too_many_claims(draft, self.max_claims)
        split, suggested = unpack(answer)
        self.known.add(digest)
        return PreparedArticle(draft, digest, split, suggested)


@dataclass(frozen=True, slots=True)
class _Again:
    """An item whose text came already in the same import, at entry ``first``."""

    first: int
    draft: ArticleDraft

    def result(self, first: PreparedArticle | ItemResult) -> ItemResult:
        """A duplicate when the first is stored (or a duplicate); its rejection else."""
        if isinstance(first, PreparedArticle) or first.status == "duplicate":
            return duplicate_of(self.draft)
        return ItemResult(source=self.draft.source, status=first.status, reason=first.reason)
