"""Time the suggester (workbench.suggest.suggest_article) and check its output is unchanged.

Run from the repository root, after ``python bench/bench_import.py --mb 5 --repeat 1``
(which writes bench/out/articles.jsonl, the synthetic 5 MB corpus):

    python bench/suggest_speed.py [--save FILE | --check FILE] [--profile] [--no-speed]

Inputs (the same on every run, in the same order):

- gold: every article of bench/data/suggest_gold/ with its gold sentences' spans and its
  outlet (as bench/suggestions.py runs it), and again with the spans split_text gives;
- synthetic: every article of bench/out/articles.jsonl, split with split_text, its
  outlet from the item;
- each of those with an empty registry and with a registry of a few speakers of the
  seed article (names, titles, aliases, an organisation, an outlet and a name written
  with metacharacters, "Islamic Revolution Guards Corps (IRGC)"), so the registry's
  paths run too.

``--save FILE`` pickles every ArticleSuggestions result; ``--check FILE`` recomputes
them, compares each with == (frozen dataclasses) and prints the first difference
(input, article, claim, field); it exits 1 on a difference.

Speed: suggest_article alone (on spans split beforehand) and split_text +
suggest_article, in CPU seconds of this process (time.process_time), best of 3, in
MB/s (1 MB = 10**6 bytes of UTF-8) on each corpus with the empty registry; the gold
corpus is repeated to at least --gold-mb MB so that its time is not noise.
``--profile`` prints cProfile's top 25 (by own time) of one suggest pass over the
synthetic corpus.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pickle
import pstats
import sys
import time
from dataclasses import fields, is_dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)

from workbench.suggest import RegistrySpeaker, suggest_article  # noqa: E402
from workbench.text.splitter import split_text  # noqa: E402

GOLD = ROOT / "bench" / "data" / "suggest_gold"
SYNTHETIC = ROOT / "bench" / "out" / "articles.jsonl"

REGISTRY = (
    RegistrySpeaker(
        name="Mohammad Baqeri",
        title="General",
        aliases=("Baqeri", "General Mohammad Baqeri"),
        id=1,
    ),
    RegistrySpeaker(
        name="Hamed Atiyeh Khwain",
        title="General",
        aliases=("Khwain", "General Khwain"),
        id=2,
    ),
    RegistrySpeaker(
        name="Amir Hatami",
        title="Defense Minister",
        aliases=("Hatami", "Iranian Defense Minister Amir Hatami"),
        id=3,
    ),
    RegistrySpeaker(name="Kiomars Heidari", title="Brigadier General", id=4),
    RegistrySpeaker(name="Amir Ali Hajizadeh", aliases=("Hajizadeh",), id=5),
    RegistrySpeaker(name="Tasnim", type="outlet", aliases=("Tasnim News Agency",), id=6),
    RegistrySpeaker(name="Mehr News Agency", type="outlet", aliases=("Mehr", "MNA"), id=7),
    RegistrySpeaker(
        name="Islamic Revolution Guards Corps (IRGC)",
        type="organization",
        aliases=("IRGC",),
        id=8,
    ),
)


def load_gold() -> list[tuple[str, str, str, list[tuple[int, int]]]]:
    """Return (id, text, outlet, gold spans) of every gold article."""
    out = []
    for meta_path in sorted(GOLD.glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        stem = meta_path.name.removesuffix(".json")
        text = (GOLD / f"{stem}.txt").read_text(encoding="utf-8")
        lines = (GOLD / f"{stem}.labels.jsonl").read_text("utf-8").splitlines()
        spans = [(lab["start"], lab["end"]) for lab in map(json.loads, filter(None, lines))]
        out.append((meta.get("id", stem), text, meta.get("outlet", "") or "", spans))
    return out


def load_synthetic() -> list[tuple[str, str, str]]:
    """Return (id, text, outlet) of every article of bench/out/articles.jsonl."""
    if not SYNTHETIC.exists():
        raise SystemExit(f"{SYNTHETIC} is missing: run python bench/bench_import.py --mb 5")
    out = []
    for n, line in enumerate(SYNTHETIC.read_text(encoding="utf-8").splitlines()):
        if line:
            item = json.loads(line)
            out.append((f"synthetic-{n}", item["text"], item.get("outlet", "") or ""))
    return out


def split_spans(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split_text(text).spans]


def inputs() -> list[tuple[str, str, str, list[tuple[int, int]], tuple]]:
    """Return every (label, text, outlet, spans, registry) the identity check runs."""
    gold = load_gold()
    synthetic = load_synthetic()
    runs = []
    for reg_label, registry in (("empty", ()), ("registry", REGISTRY)):
        for ident, text, outlet, spans in gold:
            runs.append((f"gold/{reg_label}/{ident}", text, outlet, spans, registry))
        for ident, text, outlet, _spans in gold:
            runs.append(
                (f"gold-split/{reg_label}/{ident}", text, outlet, split_spans(text), registry)
            )
        for ident, text, outlet in synthetic:
            runs.append((f"{reg_label}/{ident}", text, outlet, split_spans(text), registry))
    return runs


def compute(runs) -> list:
    return [
        suggest_article(text, spans, reg, outlet=outlet) for _l, text, outlet, spans, reg in runs
    ]


def first_difference(a, b, path: str = "") -> str | None:
    """Return where ``a`` and ``b`` first differ (a dotted path and both values), else None."""
    if a == b:
        return None
    if is_dataclass(a) and is_dataclass(b) and type(a) is type(b):
        for f in fields(a):
            found = first_difference(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
            if found:
                return found
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
    return f"{path}: {a!r} != {b!r}"


def check(runs, path: Path) -> int:
    with path.open("rb") as f:
        saved = pickle.load(f)
    got = compute(runs)
    if len(saved) != len(got):
        print(f"DIFFERENT: {len(saved)} saved results, {len(got)} now")
        return 1
    for (label, *_rest), old, new in zip(runs, saved, got, strict=True):
        if old != new:
            print(f"DIFFERENT in {label}: result{first_difference(old, new)}")
            return 1
    claims = sum(len(r.claims) for r in got)
    print(f"identical: {len(got)} articles, {claims} claims, every result == the saved one")
    return 0


def best_of_3(fn) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def speed(gold_mb: float) -> None:
    gold = [(text, outlet) for _i, text, outlet, _s in load_gold()]
    size = sum(len(t.encode("utf-8")) for t, _o in gold)
    gold = gold * max(1, int(gold_mb * 1e6 / size) + 1)
    synthetic = [(text, outlet) for _i, text, outlet in load_synthetic()]
    print(f"CPU seconds, best of 3, {cpu_name()}, Python {sys.version.split()[0]}:\n")
    print("| corpus | MB | claims | suggest s | suggest MB/s | split+suggest s | MB/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, corpus in (("gold (repeated)", gold), ("synthetic", synthetic)):
        mb = sum(len(t.encode("utf-8")) for t, _o in corpus) / 1e6
        split = [(t, o, split_spans(t)) for t, o in corpus]
        claims = sum(len(s) for _t, _o, s in split)

        def suggest_only(split=split):
            for t, o, s in split:
                suggest_article(t, s, (), outlet=o)

        def both(corpus=corpus):
            for t, o in corpus:
                suggest_article(t, split_spans(t), (), outlet=o)

        t_sug = best_of_3(suggest_only)
        t_both = best_of_3(both)
        print(
            f"| {name} | {mb:.2f} | {claims} | {t_sug:.2f} | {mb / t_sug:.2f} | "
            f"{t_both:.2f} | {mb / t_both:.2f} |"
        )


def profile() -> None:
    split = [(t, o, split_spans(t)) for _i, t, o in load_synthetic()]
    prof = cProfile.Profile()
    prof.enable()
    for t, o, s in split:
        suggest_article(t, s, (), outlet=o)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--save", type=Path, help="pickle every result to FILE")
    group.add_argument("--check", type=Path, help="compare every result with FILE's")
    parser.add_argument("--profile", action="store_true", help="cProfile top 25")
    parser.add_argument("--no-speed", action="store_true", help="skip the timing")
    parser.add_argument("--gold-mb", type=float, default=1.0, help="MB of repeated gold text")
    args = parser.parse_args(argv)
    status = 0
    if args.save or args.check:
        runs = inputs()
        if args.save:
            results = compute(runs)
            with args.save.open("wb") as f:
                pickle.dump(results, f, protocol=pickle.HIGHEST_PROTOCOL)
            claims = sum(len(r.claims) for r in results)
            print(f"saved {len(results)} articles, {claims} claims to {args.save}")
        else:
            status = check(runs, args.check)
    if not args.no_speed:
        speed(args.gold_mb)
    if args.profile:
        profile()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
