"""Benchmark workbench.text.splitter (and pySBD, if installed) on synthetic news text.

Run from the repository root:  python bench/bench_splitter.py [--mb 5]

Builds >= 5 MB of deterministic news-like text (the seed article's sentences,
shuffled, plus synthetic paragraphs with quotes, titles, abbreviations, numbers,
datelines, sign-offs and line breaks), times split_text (best of 3) and prints
MB/s (1 MB = 10**6 bytes of UTF-8), the claim count, the machine, and the pySBD
English Golden Rules score.  When pySBD is importable it is timed on a 500 KB
slice, and its sentences that are not exact substrings of the input at increasing
positions are counted ("altered/dropped").
"""

import argparse
import json
import platform
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)

from workbench.text.splitter import split_sentences, split_text  # noqa: E402

SEED_PATHS = (
    ROOT / "seeds" / "iran-iraq-military-talks.txt",
    ROOT / "tests" / "text" / "data" / "iran-iraq-military-talks.txt",
)
GOLDEN = ROOT / "tests" / "text" / "data" / "golden_rules_en.json"

PLACES = ["TEHRAN", "BAGHDAD", "WASHINGTON", "NEW YORK", "BEIRUT", "LONDON", "CAIRO"]
AGENCIES = ["Reuters", "AP", "AFP", "MNA", "IRNA"]
NAMES = ["Baqeri", "Khwain", "Hatami", "Heidari", "Hajizadeh", "Smith", "Jones", "Kadhim"]
TITLES = ["Gen.", "Brig. Gen.", "Lt. Col.", "Maj.", "Capt.", "Adm.", "Sen.", "Gov.", "Dr."]
TITLES += ["Mr.", "Mrs.", "Prof.", "Rep."]
ORGS = ["Acme Corp.", "Pitt, Briggs & Co.", "Nile Oil Ltd.", "Gulf Shipping Inc."]
PLACES_LOWER = ["Tehran", "Baghdad", "Basra", "Erbil", "Washington", "Geneva", "the Gulf"]
MONTHS = ["Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.", "March", "May", "July"]
VERBS = ["said", "told reporters", "added", "stressed", "noted", "warned"]
OBJECTS = [
    "the border security agreement",
    "the new air defence programme",
    "joint naval exercises in the Gulf",
    "talks on oil exports",
    "the reconstruction fund",
    "a ceasefire along the frontier",
]


def load_seed() -> str:
    """Return the seed article text (repo copy, else the test-data copy)."""
    for path in SEED_PATHS:
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise SystemExit("seed article not found")


def synthetic_sentence(rng: random.Random) -> str:
    """Return one news-like sentence with titles, numbers, quotes or abbreviations."""
    name = rng.choice(NAMES)
    title = rng.choice(TITLES)
    obj = rng.choice(OBJECTS)
    place = rng.choice(PLACES_LOWER)
    num = f"{rng.randint(1, 99)}.{rng.randint(0, 9)}"
    kind = rng.randrange(10)
    if kind == 0:
        return f"“We will not accept {obj},” {title} {name} {rng.choice(VERBS)}."
    if kind == 1:
        return f'"Is this {obj}?" {name} asked. "No. It is not," the U.S. envoy replied.'
    if kind == 2:
        return (
            f"The U.S. and the U.N. discussed {obj} at 10 a.m. on {rng.choice(MONTHS)} "
            f"{rng.randint(1, 28)}, according to {title} {name}."
        )
    if kind == 3:
        return f"Trade with {place} grew {num} percent, e.g. in fuel, food, etc., officials said."
    if kind == 4:
        return f"{rng.choice(ORGS)} won the No. {rng.randint(2, 9)} contract for {obj}."
    if kind == 5:
        return f"John F. {name} Jr. met {title} {name} in {place} on Wednesday."
    if kind == 6:
        return f"The vote was {rng.randint(50, 99)} vs. {rng.randint(1, 49)}... and it passed!"
    if kind == 7:
        return f"Details are at https://example.org/news/{rng.randint(1000, 9999)}.html today."
    if kind == 8:
        return f"The programme costs ${num} billion, {rng.choice(VERBS)} {name}."
    return f"{title} {name} said {obj} would be signed in {place} within {num} weeks."


def build_corpus(min_bytes: int, seed: int = 20240611) -> str:
    """Return deterministic news-like text of at least ``min_bytes`` UTF-8 bytes."""
    rng = random.Random(seed)
    seed_text = load_seed()
    seed_sentences = [s for s in re.split(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])", seed_text) if s]
    articles: list[str] = []
    size = 0
    while size < min_bytes:
        paras = []
        for _ in range(rng.randint(4, 9)):
            pool = [rng.choice(seed_sentences) for _ in range(rng.randint(1, 3))]
            pool += [synthetic_sentence(rng) for _ in range(rng.randint(1, 4))]
            rng.shuffle(pool)
            sep = " " if rng.random() < 0.9 else "\n"
            paras.append(sep.join(pool))
        if rng.random() < 0.7:
            place, agency = rng.choice(PLACES), rng.choice(AGENCIES)
            paras[0] = f"{place} ({agency}) — " + paras[0]
        if rng.random() < 0.5:
            paras[-1] += " SP/PA All Content by Mehr News Agency is licensed under a Creative"
            paras[-1] += " Commons Attribution 4.0 International License."
        else:
            paras.append("(Reporting by Parisa Hafezi; Editing by William Maclean)")
        article = ("\n\n" if rng.random() < 0.6 else "\n").join(paras)
        articles.append(article)
        size += len(article.encode("utf-8")) + 4
    return "\n\n\n\n".join(articles)


def best_of(n: int, fn, *args):
    """Return (best wall seconds, best CPU seconds, last result) over n runs of fn(*args).

    CPU time (time.process_time) is printed too because wall time on a shared
    machine moves with the load of other processes.
    """
    best = cpu_best = float("inf")
    result = None
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn(*args)
        best = min(best, time.perf_counter() - t0)
        cpu_best = min(cpu_best, time.process_time() - c0)
    return best, cpu_best, result


def altered_or_dropped(text: str, sentences: list[str]) -> int:
    """Count sentences that are not exact substrings of text at increasing positions."""
    pos = 0
    bad = 0
    for sentence in sentences:
        s = sentence.strip()
        if not s:
            continue
        i = text.find(s, pos)
        if i < 0:
            bad += 1
        else:
            pos = i + len(s)
    return bad


def golden_score(segment) -> tuple[int, list[int]]:
    """Return (passed, failed rule numbers) for segment(text) -> list[str]."""
    rules = json.loads(GOLDEN.read_text(encoding="utf-8"))["rules"]
    failed = [
        r["number"]
        for r in rules
        if [s.strip() for s in segment(r["text"]) if s.strip()] != r["expected"]
    ]
    return len(rules) - len(failed), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="corpus size in MB (default 5)")
    args = parser.parse_args()

    text = build_corpus(int(args.mb * 1_000_000))
    mb = len(text.encode("utf-8")) / 1_000_000
    print(f"python {platform.python_version()} ({platform.python_implementation()})")
    print(f"cpu    {cpu_name()}")
    print(f"corpus {mb:.2f} MB, {len(text):,} chars")

    seconds, cpu, split = best_of(3, split_text, text)
    claims = sum(s.kind == "claim" for s in split.spans)
    boiler = len(split.spans) - claims
    print(
        f"ours   split_text: {seconds:.3f} s wall (best of 3) = {mb / seconds:.2f} MB/s; "
        f"{cpu:.3f} s CPU = {mb / cpu:.2f} MB/s"
    )
    print(f"ours   {claims:,} claims + {boiler:,} boilerplate spans")
    passed, failed = golden_score(split_sentences)
    print(f"ours   golden rules: {passed}/48 (failed: {failed or 'none'})")

    try:
        import pysbd
    except ImportError:
        print("pysbd  not installed (pip install pysbd to compare)")
        return
    cut = text.find("\n\n", 500_000)
    sample = text[: cut if cut > 0 else 500_000]
    sample_mb = len(sample.encode("utf-8")) / 1_000_000
    ours_s, ours_cpu, ours_split = best_of(3, split_text, sample)
    segmenter = pysbd.Segmenter(language="en", clean=False)
    pysbd_s, pysbd_cpu, sentences = best_of(1, segmenter.segment, sample)
    print(
        f"slice  {sample_mb:.2f} MB: ours {ours_s:.3f} s wall / {ours_cpu:.3f} s CPU = "
        f"{sample_mb / ours_cpu:.2f} MB/s CPU, {len(ours_split.spans):,} spans, "
        f"{altered_or_dropped(sample, split_sentences(sample)):,} altered/dropped"
    )
    print(
        f"pysbd  {pysbd.__version__}: {pysbd_s:.2f} s wall / {pysbd_cpu:.2f} s CPU (1 run) = "
        f"{sample_mb / pysbd_cpu:.2f} MB/s CPU, {len(sentences):,} sentences, "
        f"{altered_or_dropped(sample, sentences):,} altered/dropped"
    )
    passed, failed = golden_score(segmenter.segment)
    print(f"pysbd  golden rules: {passed}/48 (failed: {failed or 'none'})")


if __name__ == "__main__":
    main()
