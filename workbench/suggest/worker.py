"""Preparing an import's articles in a process of its own: ``python -m workbench.suggest.worker``.

An import prepares each article (splits it into claims, runs the suggester over
them, encodes the rows to store) before a write transaction stores it. A large
import does that in worker processes (ops.preparing starts them) while the
importing process stores the batches prepared before. Pure: the worker loads
neither Flask nor SQLAlchemy, so it starts in a tenth of a second.

The protocol, over the worker's standard input and output: each message is a
pickle, after its length in 8 bytes (big-endian). The worker reads its set-up,
``(registry, max_claims)``, and answers ``("ready", pid)``; then each message is
a chunk, a list of ``(text, outlet)``, answered by ``("done", results)`` with one
result per text (see ``pack``; None for a text with more than ``max_claims``
claims), or by ``("error", message)`` when preparing raised. The worker ends at
the end of its input: when its parent closes the pipe or exits.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import traceback
from typing import BinaryIO

from workbench.suggest.article import suggest_article
from workbench.suggest.stored import Encoded, Registry, encode
from workbench.text.splitter import Span, Split, TooManySpans, split_text

_LENGTH = struct.Struct(">Q")
# What a worker sends back for a text: the split as plain tuples (pickling the
# spans as objects costs more than rebuilding them) and the encoded rows.
Packed = tuple[
    str | None, tuple[int, int] | None, tuple[tuple[int, int, str], ...], str | None, Encoded | None
]


def split_and_suggest(
    text: str, outlet: str, registry: Registry | None, max_claims: int
) -> tuple[Split, Encoded | None]:
    """Split ``text`` into claims and, with a ``registry``, suggest for every claim;
    return the split and the rows to store (None without a registry). Raises
    TooManySpans when the text has more than ``max_claims`` claims (the splitter
    stops soon after the limit, so a huge text is refused in a moment). The same
    steps as ops.articles.prepare_item's, which a test checks."""
    split = split_text(text, max_spans=max_claims)
    if registry is None:
        return split, None
    spans = [(span.start, span.end) for span in split.spans]
    result = suggest_article(text, spans, registry.speakers, outlet=outlet)
    return split, encode(result, registry)


def pack(split: Split, encoded: Encoded | None) -> Packed:
    return (
        split.dateline,
        split.dateline_span,
        tuple((s.start, s.end, s.kind) for s in split.spans),
        split.wire_source,
        encoded,
    )


def unpack(packed: Packed) -> tuple[Split, Encoded | None]:
    dateline, dateline_span, spans, wire_source, encoded = packed
    split = Split(dateline, dateline_span, tuple(Span(*s) for s in spans), wire_source)
    return split, encoded


def write_message(stream: BinaryIO, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    """Read ``size`` bytes; None at the end of the stream before the first byte.
    Raises EOFError when the stream ends in the middle."""
    parts, missing = [], size
    while missing:
        part = stream.read(missing)
        if not part:
            if missing == size:
                return None
            raise EOFError("the stream ended in the middle of a message")
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def read_message(stream: BinaryIO) -> object:
    """Return the next message; raises EOFError at the end of the stream."""
    header = read_exactly(stream, _LENGTH.size)
    if header is None:
        raise EOFError("the stream ended")
    (size,) = _LENGTH.unpack(header)
    data = read_exactly(stream, size)
    if data is None:
        raise EOFError("the stream ended in the middle of a message")
    return pickle.loads(data)


def _prepare_chunk(
    chunk: list[tuple[str, str]], registry: Registry | None, max_claims: int
) -> list[Packed | None]:
    results: list[Packed | None] = []
    for text, outlet in chunk:
        try:
            results.append(pack(*split_and_suggest(text, outlet, registry, max_claims)))
        except TooManySpans:
            results.append(None)
    return results


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    """Answer the chunks read from ``source`` on ``sink`` until ``source`` ends."""
    try:
        registry, max_claims = read_message(source)
    except EOFError:
        return
    write_message(sink, ("ready", os.getpid()))
    while True:
        try:
            chunk = read_message(source)
        except EOFError:
            return
        try:
            answer: tuple = ("done", _prepare_chunk(chunk, registry, max_claims))
        except Exception as exc:  # reported to the parent, which fails the import with it
            answer = ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        write_message(sink, answer)


def main() -> None:
    # Ctrl+C in a terminal reaches the whole process group: the parent decides, and
    # this worker ends when the parent closes its input.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sink = sys.stdout.buffer
    # Nothing else may write to the protocol's stream: print() goes to stderr.
    sys.stdout = sys.stderr
    try:
        serve(sys.stdin.buffer, sink)
    except BrokenPipeError:  # the parent went away
        pass


if __name__ == "__main__":
    main()
