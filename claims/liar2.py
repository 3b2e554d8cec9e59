"""LIAR2 (PolitiFact fact-checks, Xu & Kechadi 2024) in the import's format.

The dataset is for research use and is never copied into the project: the
`import_liar2` command reads it from where it lies (../shared/datasets/liar2 by
default) and sends it through the same planner and writer as the admin's import
(claims.imports). The mapping, one claim per LIAR2 statement:

| LIAR2 | claim (import column) |
|---|---|
| `statement` | `text`, kind `paraphrase`: PolitiFact's wording of what was said |
| `speaker` | `speaker`, words capitalised ("facebook posts" → "Facebook Posts") |
| `speaker_description` | `speaker_role`, its first 300 characters |
| `date` ("July 28, 2022") | `stated_on`, day precision |
| `context` ("a post") | `context`, its first 500 characters |
| `subject` ("facebook fact-checks;coronavirus") | `topics`, each capitalised |
| `id`, `label` | the source: the fact-check, titled "PolitiFact fact-check 21750: rated false" |

The source is PolitiFact's fact-check (outlet PolitiFact, kind analysis), its date
unknown: LIAR2 gives the statement's date, not the article's. The rating (label) is
in the source's title, since the tracker keeps no verdict field.
"""

import csv
import io
import string
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import Truncator

DEFAULT_PATH = Path(settings.BASE_DIR).parent / "shared" / "datasets" / "liar2"
FILES = ["test.csv", "valid.csv"]
LABELS = ["pants-fire", "false", "barely-true", "half-true", "mostly-true", "true"]
COLUMNS = [
    "text",
    "kind",
    "speaker",
    "speaker_role",
    "stated_on",
    "context",
    "source_title",
    "outlet",
    "source_kind",
    "topics",
]


def statements(path=DEFAULT_PATH, limit=2000):
    """The first `limit` statements of the dataset's files, in file order."""
    rows = []
    for name in FILES:
        with (Path(path) / name).open(encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                rows.append(row)
                if len(rows) >= limit:
                    return rows
    return rows


def _clean(text, limit=None):
    text = " ".join(text.replace("\xa0", " ").split())
    return Truncator(text).chars(limit) if limit else text


def claim_row(statement):
    label = LABELS[int(statement["label"])] if statement["label"].isdigit() else "unrated"
    topics = [
        _clean(topic)[:1].upper() + _clean(topic)[1:]
        for topic in statement["subject"].split(";")
        if topic.strip()
    ]
    return {
        "text": _clean(statement["statement"]),
        "kind": "paraphrase",
        "speaker": string.capwords(_clean(statement["speaker"])),
        "speaker_role": _clean(statement["speaker_description"], 300),
        "stated_on": statement["date"].strip(),
        "context": _clean(statement["context"], 500),
        "source_title": f"PolitiFact fact-check {statement['id']}: rated {label}",
        "outlet": "PolitiFact",
        "source_kind": "analysis",
        "topics": "; ".join(dict.fromkeys(topics)),
    }


def as_upload(statements_):
    """The statements as the claims file an editor would upload."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    for statement in statements_:
        writer.writerow(claim_row(statement))
    return SimpleUploadedFile("liar2-claims.csv", out.getvalue().encode("utf-8"))
