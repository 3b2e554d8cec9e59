"""Load the curated seed corpus (claims/seed/corpus.json and its texts).

Every record is matched on a natural key (an outlet's name, a slug, an import
reference, a claim pair), so a second run creates nothing and changes nothing,
and an editor's later changes to seeded records are never overwritten: where the
database and the file differ, the database is kept and the load says so.

Every error names its record and field ("claims[12] (ref '000-12'): topics: ..."),
and the whole load is one transaction: one bad record and nothing is written.
"""

import json
from collections import Counter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from . import dates, evidence
from .models import Claim, Link, Outlet, Source, Speaker, SpeakerAlias, Stance, Subject, Topic

SEED_DIR = Path(__file__).resolve().parent / "seed"
CORPUS = SEED_DIR / "corpus.json"

SECTIONS = ["outlets", "sources", "speakers", "subjects", "topics", "claims", "links"]


class SeedError(Exception):
    pass


def _json_type(value):
    names = {dict: "an object", list: "a list", str: "text", bool: "true or false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


class Record:
    """One record of the file, read field by field with errors that name both."""

    def __init__(self, section, index, row, key):
        self.where = f"{section}[{index}]"
        if not isinstance(row, dict):
            raise SeedError(f"{self.where}: must be an object, not {_json_type(row)}.")
        if isinstance(row.get(key), str):
            self.where += f" ({key} {row[key]!r})"
        self.row = row

    def error(self, field, message):
        return SeedError(f"{self.where}: {field}: {message}")

    def text(self, field, default=None):
        """A string field; required unless a default is given (null means the default)."""
        value = self.row.get(field)
        if value is None:
            if default is None:
                raise self.error(field, "is required.")
            return default
        if not isinstance(value, str):
            raise self.error(field, f"must be text, not {_json_type(value)}.")
        return value

    def texts(self, field):
        """A list of strings; absent means empty, but null or a bare string is refused."""
        if field not in self.row:
            return []
        value = self.row[field]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(field, f"must be a list of text, not {_json_type(value)}.")
        return value

    def mapping(self, field):
        if field not in self.row:
            return {}
        value = self.row[field]
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self.error(field, f"must be an object of text values, not {_json_type(value)}.")
        return value

    def date(self, field):
        value = self.row.get(field)
        if value is not None and not isinstance(value, str):
            raise self.error(field, f"must be a date as text, not {_json_type(value)}.")
        try:
            return dates.parse_partial(value)
        except ValueError as error:
            raise self.error(field, str(error)) from None

    def ref(self, field, known, what, required=True):
        """The record that `field` names among `known`, else None when allowed."""
        name = self.text(field, default=None if required else "")
        if not name:
            return None
        try:
            return known[name]
        except KeyError:
            raise self.error(field, f"there is no {what} {name!r} in the file.") from None

    def refs(self, field, known, what):
        return [self.ref_value(field, name, known, what) for name in self.texts(field)]

    def ref_value(self, field, name, known, what):
        try:
            return known[name]
        except KeyError:
            raise self.error(field, f"there is no {what} {name!r} in the file.") from None

    def validate(self, obj):
        """full_clean(), its errors named by this record and the field."""
        try:
            obj.full_clean()
        except ValidationError as error:
            problems = [
                f"{field}: {message}" if field != "__all__" else message
                for field, messages in error.message_dict.items()
                for message in messages
            ]
            raise SeedError(f"{self.where}: {'; '.join(problems)}") from None


class Loader:
    def __init__(self, data, texts_dir):
        if not isinstance(data, dict):
            raise SeedError(f"The corpus must be an object of sections, not {_json_type(data)}.")
        self.sections = {}
        for section in SECTIONS:
            rows = data.get(section, [])
            if not isinstance(rows, list):
                raise SeedError(f"{section}: must be a list, not {_json_type(rows)}.")
            self.sections[section] = rows
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            raise SeedError(f"Unknown sections: {', '.join(unknown)}.")
        self.texts_dir = texts_dir
        models = (Outlet, Source, Speaker, SpeakerAlias, Subject, Topic, Claim, Link, Stance)
        self.counts = Counter({m._meta.verbose_name_plural: 0 for m in models})
        self.notes = []

    def records(self, section, key):
        for index, row in enumerate(self.sections[section]):
            yield Record(section, index, row, key)

    def get_or_create(self, record, model, lookup, defaults):
        """The record's row: found by `lookup` (differences noted) or created and validated."""
        try:
            obj = model.objects.get(**lookup)
        except model.DoesNotExist:
            obj = model(**lookup, **defaults)
            record.validate(obj)
            obj.save()
            self.counts[model._meta.verbose_name_plural] += 1
            return obj, True
        differences = [
            name
            for name, value in defaults.items()
            if getattr(obj, name) != value and not (value in ("", None) and not getattr(obj, name))
        ]
        if differences:
            self.notes.append(
                f"{record.where}: the database differs in {', '.join(differences)}; "
                "kept the database's values."
            )
        return obj, False

    def load(self):
        outlets = self.outlets()
        sources = self.sources(outlets)
        speakers = self.speakers()
        subjects, topics = self.subjects_and_topics()
        claims = self.claims(outlets, sources, speakers, subjects, topics)
        self.links(claims)

    def outlets(self):
        outlets = {}
        for record in self.records("outlets", "name"):
            name = record.text("name")
            outlets[name], _ = self.get_or_create(
                record,
                Outlet,
                {"name": name},
                {
                    "slug": record.text("slug", "") or slugify(name),
                    "kind": record.text("kind", Outlet.Kind.OTHER),
                    "country": record.text("country", ""),
                    "url": record.text("url", ""),
                },
            )
        return outlets

    def sources(self, outlets):
        sources, records = {}, list(self.records("sources", "ref"))
        for record in records:
            published_on, precision = record.date("published_on")
            file_name = record.text("file")
            path = self.texts_dir / file_name
            if path.parent != self.texts_dir or not path.is_file():
                raise record.error("file", f"there is no text file {file_name!r} beside the file.")
            sources[record.text("ref")], _ = self.get_or_create(
                record,
                Source,
                {"import_ref": record.text("ref")},
                {
                    "title": record.text("title"),
                    "kind": record.text("kind", Source.Kind.NEWS_REPORT),
                    "outlet": record.ref("outlet", outlets, "outlet", required=False),
                    "authors": record.text("authors", ""),
                    "url": record.text("url", ""),
                    "published_on": published_on,
                    "published_on_precision": precision,
                    "language": record.text("language", "en"),
                    "full_text": path.read_text(encoding="utf-8"),
                    "notes": record.text("notes", ""),
                },
            )
        # Lineage refers to other sources, so it is recorded once they all exist; only
        # where it is not recorded yet, so an editor's correction stands.
        for record in records:
            source, changed = sources[record.text("ref")], False
            parent = record.ref("derived_from", sources, "source", required=False)
            if parent and source.derived_from_id is None:
                source.derived_from = parent
                source.derivation = record.text("derivation")
                changed = True
            wire = record.ref("wire", outlets, "outlet", required=False)
            if wire and source.wire_id is None:
                source.wire = wire
                changed = True
            if changed:
                record.validate(source)
                source.save()
        return sources

    def speakers(self):
        speakers = {}
        for record in self.records("speakers", "slug"):
            slug = record.text("slug")
            speaker, _ = self.get_or_create(
                record,
                Speaker,
                {"slug": slug},
                {
                    "name": record.text("name"),
                    "kind": record.text("kind", Speaker.Kind.PERSON),
                    "affiliation": record.text("affiliation", ""),
                    "country": record.text("country", ""),
                    "description": record.text("description", ""),
                },
            )
            speakers[slug] = speaker
            for alias in record.texts("aliases"):
                self.get_or_create(record, SpeakerAlias, {"speaker": speaker, "name": alias}, {})
        return speakers

    def subjects_and_topics(self):
        subjects = {}
        for record in self.records("subjects", "slug"):
            slug = record.text("slug")
            subjects[slug], _ = self.get_or_create(
                record,
                Subject,
                {"slug": slug},
                {"name": record.text("name"), "kind": record.text("kind", Subject.Kind.STATE)},
            )
        topics = {}
        for record in self.records("topics", "slug"):
            slug = record.text("slug")
            topic, _ = self.get_or_create(
                record,
                Topic,
                {"slug": slug},
                {"title": record.text("title"), "description": record.text("description", "")},
            )
            answers = record.refs("answer_subjects", subjects, "subject")
            if not topic.answer_subjects.exists():
                topic.answer_subjects.set(answers)
            topics[slug] = topic
        return subjects, topics

    def claims(self, outlets, sources, speakers, subjects, topics):
        claims = {}
        for record in self.records("claims", "ref"):
            stated_on, precision = record.date("stated_on")
            topic_list = record.refs("topics", topics, "topic")
            subject_list = record.refs("subjects", subjects, "subject")
            stances = {
                record.ref_value("stances", slug, topics, "topic"): stance
                for slug, stance in record.mapping("stances").items()
            }
            claim, created = self.get_or_create(
                record,
                Claim,
                {"import_ref": record.text("ref")},
                {
                    "text": record.text("text"),
                    "kind": record.text("kind"),
                    "speaker": record.ref("speaker", speakers, "speaker", required=False),
                    "speaker_role": record.text("speaker_role", ""),
                    "stated_on": stated_on,
                    "stated_on_precision": precision,
                    "source": record.ref("source", sources, "source"),
                    "via": record.ref("via", outlets, "outlet", required=False),
                    "context": record.text("context", ""),
                },
            )
            if created:
                claim.topics.set(topic_list)
                claim.subjects.set(subject_list)
            if claim.integrity == Claim.Integrity.NOT_FOUND:
                self.notes.append(
                    f"{record.where}: text: not found in the text of source "
                    f"{claim.source.import_ref or claim.source_id}; loaded, marked “not found”."
                )
            claims[record.text("ref")] = claim
            for topic, stance in stances.items():
                self.get_or_create(
                    record, Stance, {"claim": claim, "topic": topic}, {"stance": stance}
                )
        return claims

    def links(self, claims):
        for record in self.records("links", "a"):
            first = record.ref("a", claims, "claim")
            second = record.ref("b", claims, "claim")
            existing = Link.objects.between(first, second).first()
            kind, note = record.text("kind"), record.text("note", "")
            if existing:
                if (existing.kind, existing.note) != (kind, note):
                    self.notes.append(
                        f"{record.where}: the database links these claims differently "
                        f"(link {existing.pk}); kept the database's."
                    )
                continue
            link = Link(claim_a=first, claim_b=second, kind=kind, note=note)
            record.validate(link)
            link.save()
            self.counts[Link._meta.verbose_name_plural] += 1


def load_corpus(path=CORPUS, dry_run=False, notes=None):
    """Load the corpus at `path`; return {model name: rows created}, for every model.

    SeedError names the record and field of the first problem; nothing is written
    then. `notes`, a list, receives what the load noticed but did not refuse: claims
    not found in their source's text, records the database holds differently.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SeedError(f"{path.name} is not valid JSON: {error}") from None
    loader = Loader(data, path.parent / "texts")
    with transaction.atomic():
        loader.load()
        # Every save kept the evidence values current; a rebuild costs little at this
        # size and repairs values stored by an older version of the rule.
        evidence.rebuild()
        if dry_run:
            transaction.set_rollback(True)
    if notes is not None:
        notes.extend(loader.notes)
    return dict(loader.counts)
