"""Load the curated seed corpus (claims/seed/corpus.json and its texts).

Every record is matched on a natural key (an outlet's name, a slug, an import
reference, a claim pair), so a second run creates nothing and changes nothing,
and an editor's later changes to seeded records are never overwritten.
"""

import json
from collections import Counter
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from . import dates, evidence
from .models import Claim, Link, Outlet, Source, Speaker, SpeakerAlias, Stance, Subject, Topic

SEED_DIR = Path(__file__).resolve().parent / "seed"
CORPUS = SEED_DIR / "corpus.json"


class SeedError(Exception):
    pass


def _get_or_create(counts, model, lookup, defaults):
    """get_or_create that validates new rows the way the admin would."""
    try:
        return model.objects.get(**lookup), False
    except model.DoesNotExist:
        obj = model(**lookup, **defaults)
        obj.full_clean()
        obj.save()
        counts[model._meta.verbose_name_plural] += 1
        return obj, True


def load_corpus(path=CORPUS, dry_run=False):
    """Load the corpus at `path`; return {model name: rows created}, for every model."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    counts = Counter(
        {
            m._meta.verbose_name_plural: 0
            for m in (Outlet, Source, Speaker, SpeakerAlias, Subject, Topic, Claim, Link, Stance)
        }
    )
    with transaction.atomic():
        _load(data, Path(path).parent / "texts", counts)
        # Every save kept the evidence values current; a rebuild costs little at this
        # size and repairs values stored by an older version of the rule.
        evidence.rebuild()
        if dry_run:
            transaction.set_rollback(True)
    return dict(counts)


def _load(data, texts_dir, counts):
    outlets = {}
    for row in data["outlets"]:
        outlets[row["name"]], _ = _get_or_create(
            counts,
            Outlet,
            {"name": row["name"]},
            {
                "slug": row.get("slug") or slugify(row["name"]),
                "kind": row.get("kind", Outlet.Kind.OTHER),
                "country": row.get("country", ""),
                "url": row.get("url", ""),
            },
        )

    sources = {}
    for row in data["sources"]:
        published_on, precision = dates.parse_partial(row.get("published_on"))
        sources[row["ref"]], _ = _get_or_create(
            counts,
            Source,
            {"import_ref": row["ref"]},
            {
                "title": row["title"],
                "kind": row.get("kind", Source.Kind.NEWS_REPORT),
                "outlet": outlets[row["outlet"]] if row.get("outlet") else None,
                "authors": row.get("authors", ""),
                "url": row.get("url", ""),
                "published_on": published_on,
                "published_on_precision": precision,
                "language": row.get("language", "en"),
                "full_text": (texts_dir / row["file"]).read_text(encoding="utf-8"),
                "notes": row.get("notes", ""),
            },
        )
    # Lineage refers to other sources, so it is recorded once they all exist; only where
    # it is not recorded yet, so an editor's correction stands.
    for row in data["sources"]:
        source, changed = sources[row["ref"]], False
        if row.get("derived_from") and source.derived_from_id is None:
            source.derived_from = sources[row["derived_from"]]
            source.derivation = row["derivation"]
            changed = True
        if row.get("wire") and source.wire_id is None:
            source.wire = outlets[row["wire"]]
            changed = True
        if changed:
            source.full_clean()
            source.save()

    speakers = {}
    for row in data["speakers"]:
        speaker, _ = _get_or_create(
            counts,
            Speaker,
            {"slug": row["slug"]},
            {
                "name": row["name"],
                "kind": row.get("kind", Speaker.Kind.PERSON),
                "affiliation": row.get("affiliation", ""),
                "country": row.get("country", ""),
                "description": row.get("description", ""),
            },
        )
        speakers[row["slug"]] = speaker
        for alias in row.get("aliases", []):
            _get_or_create(counts, SpeakerAlias, {"speaker": speaker, "name": alias}, {})

    subjects = {}
    for row in data["subjects"]:
        subjects[row["slug"]], _ = _get_or_create(
            counts,
            Subject,
            {"slug": row["slug"]},
            {"name": row["name"], "kind": row.get("kind", Subject.Kind.STATE)},
        )

    topics = {}
    for row in data["topics"]:
        topics[row["slug"]], _ = _get_or_create(
            counts,
            Topic,
            {"slug": row["slug"]},
            {"title": row["title"], "description": row.get("description", "")},
        )
        if not topics[row["slug"]].answer_subjects.exists():
            topics[row["slug"]].answer_subjects.set(
                subjects[slug] for slug in row.get("answer_subjects", [])
            )

    claims = {}
    for row in data["claims"]:
        stated_on, precision = dates.parse_partial(row.get("stated_on"))
        claim, created = _get_or_create(
            counts,
            Claim,
            {"import_ref": row["ref"]},
            {
                "text": row["text"],
                "kind": row["kind"],
                "speaker": speakers[row["speaker"]] if row.get("speaker") else None,
                "speaker_role": row.get("speaker_role", ""),
                "stated_on": stated_on,
                "stated_on_precision": precision,
                "source": sources[row["source"]],
                "via": outlets[row["via"]] if row.get("via") else None,
                "context": row.get("context", ""),
            },
        )
        if created:
            claim.topics.set(topics[slug] for slug in row.get("topics", []))
            claim.subjects.set(subjects[slug] for slug in row.get("subjects", []))
        claims[row["ref"]] = claim
        for slug, stance in row.get("stances", {}).items():
            _get_or_create(
                counts, Stance, {"claim": claim, "topic": topics[slug]}, {"stance": stance}
            )

    for row in data["links"]:
        first, second = claims[row["a"]], claims[row["b"]]
        if Link.objects.between(first, second).exists():
            continue
        link = Link(claim_a=first, claim_b=second, kind=row["kind"], note=row.get("note", ""))
        link.full_clean()
        link.save()
        counts[Link._meta.verbose_name_plural] += 1
