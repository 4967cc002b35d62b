"""Measure the suggester (workbench.suggest) against the hand-labelled gold set.

Run from the repository root:  python bench/suggestions.py [--mb 5] [--errors] [--no-speed]

For every article of bench/data/suggest_gold/ (format: GOLD_FORMAT in its README),
the suggester runs on the gold sentences' own (start, end) spans, with the article's
outlet (its .json "outlet") and an empty registry.  It prints, per article and
overall:

- speaker accuracy: the suggested speaker is the gold speaker or one of the aliases the
  .json lists for it (a surname, the name with its title), case and diacritics aside;
  a pronoun never counts.  Split by gold attribution and by gold source_kind (pronoun
  and continuation are the targets' own rows);
- via precision and recall (a suggested via is right when it names the gold via);
- attribution accuracy with the confusion table (rows gold, columns suggested);
- verifiability-hint accuracy (and speaker-type accuracy);
- throughput of splitting (split_text) plus suggesting on at least --mb MB of news
  text (the gold and seed texts repeated as separate articles), on one core, in MB/s
  (1 MB = 10**6 bytes of UTF-8), best of three, timed in CPU seconds of this process
  (time.process_time: the run is single-threaded, and on a shared machine the wall
  clock also counts the time other processes held the core);
- a 20,000-sentence article (the texts joined into one), suggested in one call, to show
  that the time per claim does not grow with the article;
- the inputs that once made it super-linear (many quoted fragments in one sentence,
  text without punctuation, one very long sentence, many names sharing initials, a
  registry of 50,000 speakers) at size n and 4n: the time should grow about 4 times.

--errors lists every sentence whose speaker or attribution is wrong.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from machine import cpu_name  # noqa: E402 (bench/ is on sys.path when run)

from workbench.suggest import ATTRIBUTIONS, RegistrySpeaker, suggest_article  # noqa: E402
from workbench.text.names import fold_name  # noqa: E402
from workbench.text.splitter import split_text  # noqa: E402

GOLD = ROOT / "bench" / "data" / "suggest_gold"
SEED = ROOT / "seeds" / "iran-iraq-military-talks.txt"
PRONOUNS = frozenset("he she they it we i him her them his their who".split())


def load_gold(folder: Path = GOLD) -> list[dict]:
    """Return the gold articles: id, text, outlet, speakers (aliases) and labels."""
    articles = []
    for meta_path in sorted(folder.glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        stem = meta_path.name.removesuffix(".json")
        text = (folder / f"{stem}.txt").read_text(encoding="utf-8")
        labels_path = folder / f"{stem}.labels.jsonl"
        labels = [json.loads(line) for line in labels_path.read_text("utf-8").splitlines() if line]
        articles.append({"id": meta.get("id", stem), "meta": meta, "text": text, "labels": labels})
    return articles


def same_speaker(suggested: str, gold: str, speakers: dict) -> bool:
    """True when ``suggested`` names ``gold``: its name or a listed alias, folded."""
    got = fold_name(suggested)
    if not got or got in PRONOUNS:
        return False
    entry = speakers.get(gold) or {}
    names = {fold_name(gold)} | {fold_name(a) for a in entry.get("aliases", ())}
    return got in names


class Tally:
    def __init__(self) -> None:
        self.right = 0
        self.total = 0

    def add(self, ok: bool) -> None:
        self.right += bool(ok)
        self.total += 1

    def pct(self) -> str:
        return f"{100 * self.right / self.total:5.1f}%" if self.total else "   - "

    def cell(self) -> str:
        return f"{self.pct()} ({self.right}/{self.total})"


def evaluate(articles: list[dict], errors: bool = False) -> dict:
    overall = defaultdict(Tally)
    by_attr = defaultdict(Tally)
    by_kind = defaultdict(Tally)
    confusion: Counter = Counter()
    via = Counter()
    rows = []
    mistakes = []
    for art in articles:
        text, labels, meta = art["text"], art["labels"], art["meta"]
        speakers = meta.get("speakers", {})
        spans = [(lab["start"], lab["end"]) for lab in labels]
        result = suggest_article(text, spans, (), outlet=meta.get("outlet", ""))
        t = defaultdict(Tally)
        for lab, claim in zip(labels, result.claims, strict=True):
            sp = claim.speaker.value if claim.speaker else ""
            ok = same_speaker(sp, lab["speaker"], speakers)
            st = claim.speaker_type.value if claim.speaker_type else ""
            at = claim.attribution.value if claim.attribution else ""
            ve = claim.verifiability.value if claim.verifiability else ""
            vi = claim.via.value if claim.via else ""
            for tally in (t, overall):
                tally["speaker"].add(ok)
                tally["type"].add(st == lab["speaker_type"])
                tally["attribution"].add(at == lab["attribution"])
                tally["verifiability"].add(ve == lab["verifiability"])
            by_attr[lab["attribution"]].add(ok)
            by_kind[lab["source_kind"]].add(ok)
            confusion[lab["attribution"], at] += 1
            gold_via = lab.get("via", "")
            if vi:
                via["suggested"] += 1
            if gold_via:
                via["gold"] += 1
            if vi and gold_via and same_speaker(vi, gold_via, speakers):
                via["right"] += 1
            if errors and (not ok or at != lab["attribution"] or bool(vi) != bool(gold_via)):
                mistakes.append((art["id"], lab, sp, st, vi, at, claim.speaker.reason))
        rows.append((art["id"], len(labels), t))
    return {
        "rows": rows,
        "overall": overall,
        "by_attr": by_attr,
        "by_kind": by_kind,
        "confusion": confusion,
        "via": via,
        "mistakes": mistakes,
    }


def speed(articles: list[dict], mb: float) -> dict:
    texts = [a["text"] for a in articles]
    if SEED.exists():
        texts.append(SEED.read_text(encoding="utf-8"))
    outlets = [a["meta"].get("outlet", "") for a in articles] + ["Mehr News Agency"]
    size = sum(len(t.encode("utf-8")) for t in texts)
    reps = max(1, int(mb * 1e6 / size) + 1)
    corpus = [(t, o) for _ in range(reps) for t, o in zip(texts, outlets, strict=False)]
    total = sum(len(t.encode("utf-8")) for t, _o in corpus)
    best = {"split": float("inf"), "both": float("inf")}
    claims = 0
    for _ in range(3):
        t0 = time.process_time()
        split = [split_text(t) for t, _o in corpus]
        t1 = time.process_time()
        claims = 0
        for (t, o), s in zip(corpus, split, strict=True):
            result = suggest_article(t, [(x.start, x.end) for x in s.spans], (), outlet=o)
            claims += len(result.claims)
        t2 = time.process_time()
        best["split"] = min(best["split"], t1 - t0)
        best["both"] = min(best["both"], t2 - t0)
    # One long article: every text joined into one, 20,000 sentences or more.
    joined = []
    n = 0
    while n < 20000:
        for t in texts:
            joined.append(t)
            n += len(split_text(t).spans)
    long_text = "\n\n".join(joined)
    spans = [(x.start, x.end) for x in split_text(long_text).spans]
    t0 = time.process_time()
    long_result = suggest_article(long_text, spans, (), outlet="Wikinews")
    long_time = time.process_time() - t0
    return {
        "mb": total / 1e6,
        "articles": len(corpus),
        "claims": claims,
        "split_s": best["split"],
        "both_s": best["both"],
        "long_claims": len(long_result.claims),
        "long_s": long_time,
    }


# Inputs that made the suggester super-linear once (a probe's worst cases): each is
# suggested at size n and 4n; the ratio of the times should stay near 4.
_NEWS_WORDS = (
    "the minister said Hatami told reporters he according to Tasnim will peace Smith of and"
).split()


def _fragments(n: int) -> str:
    return "Smith said " + ", ".join(f'"Word{i}" said Jones{i}' for i in range(n)) + "."


def _no_punctuation(n: int) -> str:
    rnd = random.Random(1)
    return " ".join(rnd.choice(_NEWS_WORDS) for _ in range(n))


def _long_sentence(n: int) -> str:
    parts = (
        "Hatami said the talks would continue",
        "Smith told reporters that 40 soldiers had been deployed",
        "according to Tasnim",
        "the minister warned of further sanctions",
        "he added that the deal was signed in Geneva",
    )
    return ", ".join(parts[i % len(parts)] for i in range(n)) + "."


def _initials(n: int) -> str:
    return " ".join(f"Paul Newman{i} said it was good." for i in range(n))


def _registry(n: int) -> tuple[RegistrySpeaker, ...]:
    return tuple(
        RegistrySpeaker(name=f"Person Name{i}", aliases=(f"Name{i}", f"Alias {i}"), id=i)
        for i in range(n)
    )


SCALING = (
    ("quoted fragments in one sentence", _fragments, 4000),
    ("words without punctuation", _no_punctuation, 40000),
    ("one long sentence", _long_sentence, 4000),
    ("names sharing initials", _initials, 4000),
)


def scaling() -> list[tuple[str, str, float, float]]:
    """Return (input, size n, seconds at n, seconds at 4n) for each worst case."""
    out = []
    for label, make, n in SCALING:
        times = []
        for k in (n, 4 * n):
            text = make(k)
            spans = [(x.start, x.end) for x in split_text(text).spans]
            t0 = time.process_time()
            suggest_article(text, spans, (), outlet="Reuters")
            times.append(time.process_time() - t0)
        out.append((label, f"{n} items", *times))
    text = "Hatami said the plan had failed."
    spans = [(0, len(text))]
    times = []
    for k in (12500, 50000):
        registry = _registry(k)
        suggest_article(text, spans, registry, outlet="Reuters")  # indexes it once
        t0 = time.process_time()
        for _ in range(20):  # the same registry: one article's split, merges and trims
            suggest_article(text, spans, registry, outlet="Reuters")
        times.append(time.process_time() - t0)
    # the registry is indexed once: later calls cost the same for 4 times the speakers
    out.append(("registry, 20 later calls (ratio near 1)", "12500 speakers", *times))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=5.0, help="MB of text for the speed test")
    parser.add_argument("--errors", action="store_true", help="list the wrong sentences")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed test")
    args = parser.parse_args(argv)
    articles = load_gold()
    if not articles:
        print(f"no gold articles in {GOLD}", file=sys.stderr)
        return 1
    r = evaluate(articles, errors=args.errors)
    print(
        f"Suggester on the gold set ({GOLD.relative_to(ROOT)}): {len(articles)} articles, "
        f"{r['overall']['speaker'].total} sentences\n"
    )
    print("| article | sentences | speaker | type | attribution | verifiability |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, n, t in r["rows"]:
        print(
            f"| {name} | {n} | {t['speaker'].pct()} | {t['type'].pct()} | "
            f"{t['attribution'].pct()} | {t['verifiability'].pct()} |"
        )
    o = r["overall"]
    print(
        f"| **overall** | {o['speaker'].total} | **{o['speaker'].pct().strip()}** | "
        f"{o['type'].pct()} | **{o['attribution'].pct().strip()}** | {o['verifiability'].pct()} |\n"
    )
    print("Speaker accuracy by gold attribution and by gold source kind:\n")
    print("| sentences | speaker accuracy |")
    print("| --- | ---: |")
    for key in ATTRIBUTIONS:
        if key in r["by_attr"]:
            print(f"| attribution {key} | {r['by_attr'][key].cell()} |")
    pc = Tally()
    for key in ("pronoun", "continuation"):
        pc.right += r["by_kind"][key].right
        pc.total += r["by_kind"][key].total
    for key in sorted(r["by_kind"]):
        print(f"| source {key} | {r['by_kind'][key].cell()} |")
    print(f"| **pronoun + continuation** | {pc.cell()} |\n")
    v = r["via"]
    precision = v["right"] / v["suggested"] if v["suggested"] else 0.0
    recall = v["right"] / v["gold"] if v["gold"] else 0.0
    print(
        f"Via: precision {100 * precision:.1f}% ({v['right']}/{v['suggested']}), "
        f"recall {100 * recall:.1f}% ({v['right']}/{v['gold']})\n"
    )
    print("Attribution confusion (rows gold, columns suggested):\n")
    print("| gold \\ suggested | " + " | ".join(ATTRIBUTIONS) + " |")
    print("| --- |" + " ---: |" * len(ATTRIBUTIONS))
    for g in ATTRIBUTIONS:
        cells = " | ".join(str(r["confusion"][g, s]) for s in ATTRIBUTIONS)
        print(f"| {g} | {cells} |")
    print()
    if args.errors:
        for art, lab, sp, st, vi, at, why in r["mistakes"]:
            print(
                f"- {art} [{lab['start']}] {lab['text'][:110]!r}\n"
                f"    gold {lab['speaker']!r} {lab['speaker_type']} via={lab['via']!r} "
                f"{lab['attribution']} ({lab['source_kind']})\n"
                f"    got  {sp!r} {st} via={vi!r} {at}: {why}"
            )
        print()
    if not args.no_speed:
        s = speed(articles, args.mb)
        print(
            f"Speed on {s['mb']:.2f} MB ({s['articles']} articles, {s['claims']} claims), "
            f"one core (CPU time), best of 3, {cpu_name()}, Python {sys.version.split()[0]}:\n"
        )
        print("| step | seconds | MB/s |")
        print("| --- | ---: | ---: |")
        print(f"| split_text | {s['split_s']:.2f} | {s['mb'] / s['split_s']:.2f} |")
        sug = s["both_s"] - s["split_s"]
        print(f"| suggest_article | {sug:.2f} | {s['mb'] / sug:.2f} |")
        print(f"| **split + suggest** | {s['both_s']:.2f} | **{s['mb'] / s['both_s']:.2f}** |\n")
        per = 1e6 * s["long_s"] / s["long_claims"]
        short = 1e6 * sug / s["claims"]
        print(
            f"One article of {s['long_claims']} sentences: suggested in {s['long_s']:.2f} s "
            f"({per:.0f} µs a claim; {short:.0f} µs a claim in the articles above).\n"
        )
        print("Worst inputs at size n and 4n (CPU seconds; the ratio should stay near 4):\n")
        print("| input | n | seconds at n | seconds at 4n | ratio |")
        print("| --- | --- | ---: | ---: | ---: |")
        for label, size, t_n, t_4n in scaling():
            ratio = t_4n / t_n if t_n > 0 else float("inf")
            print(f"| {label} | {size} | {t_n:.3f} | {t_4n:.3f} | {ratio:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
