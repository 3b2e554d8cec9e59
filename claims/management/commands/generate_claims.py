"""Fill the database with realistic synthetic claims and links, for scale and speed tests.

Outlets, speakers (with aliases), topics and subjects are matched on their slugs, so
a second run reuses them; sources, claims and links are always new. Each source's
full text is written around its claims, so every claim is found in it ("located",
with its span), and claims are never dated after their source. On PostgreSQL the big
tables are written with COPY; elsewhere with bulk_create.
"""

import datetime
import random
import re
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from claims import evidence
from claims.dates import DatePrecision, truncate
from claims.integrity import _QUOTES
from claims.models import Claim, Link, Outlet, Source, Speaker, SpeakerAlias, Subject, Topic

BATCH = 5000  # claims per round of writes

OUTLET_WORDS = ["Northern", "Eastern", "Central", "Daily", "Evening", "Free", "Independent"]
OUTLET_NOUNS = ["Herald", "Courier", "Times", "Post", "Gazette", "Tribune", "Dispatch"]
AGENCIES = ["TASS", "RIA Novosti", "Interfax", "Xinhua", "Anadolu", "Bakhtar", "Reuters", "AFP"]
COUNTRIES = [
    "Afghanistan", "China", "Russia", "Pakistan", "Iran", "India", "Uzbekistan",
    "Tajikistan", "Turkmenistan", "Kazakhstan", "Kyrgyzstan", "Qatar", "Turkey",
    "United Arab Emirates", "Saudi Arabia", "United States", "United Kingdom", "Germany",
    "France", "Japan",
]  # fmt: skip
ORGANISATIONS = ["United Nations", "European Union", "Shanghai Cooperation Organisation",
                 "Taliban", "Islamic State Khorasan", "World Bank"]  # fmt: skip
QUESTIONS = [
    "Which states accepted {}'s envoys?",
    "Is {} moving towards recognition?",
    "Who trades with {} despite sanctions?",
    "What did {} promise on security?",
]
FIRST = "Amir Zamir Sergey Maria Wang Karen Abdul Fatima Ivan Olga Li Ahmad Sarah Dmitry".split()
LAST = "Muttaqi Kabulov Lavrov Zakharova Yi Decker Haqqani Petrova Mujahid Karimov Chen".split()
ROLES = ["foreign minister", "presidential envoy", "spokesperson", "deputy minister",
         "ambassador", "acting prime minister", "head of the political office"]  # fmt: skip
VERBS = ["has accepted", "will not recognise", "is ready to expand ties with", "has protested to",
         "plans to send a delegation to", "denies any contact with", "has welcomed",
         "has asked for guarantees from", "is negotiating a trade deal with",
         "has formally accredited an ambassador from", "will keep sanctions on"]  # fmt: skip
OBJECTS = ["the Taliban", "Kabul", "the interim government", "the new envoy",
           "the Islamic Emirate", "the caretaker administration", "the delegation"]  # fmt: skip
TAILS = ["", " in the coming months", " without preconditions", " as a matter of principle",
         ", officials said", " after the Moscow Format talks", " for the first time since 2021",
         ", according to people familiar with the matter", " on humanitarian grounds"]  # fmt: skip
EXTRAS = [
    "Talks on transit, energy and rail links, including a “principal decision” on delisting, "
    "continued late into the night.",
    "The ministry gave no date; a spokesperson said the matter was “under review”.",
    "Officials in the capital did not respond to requests for comment.",
    "Critics, however, say that no commitment on human rights has been made.",
]
RU_SUBJECTS = "Китай Россия Иран Пакистан Узбекистан Казахстан Катар Турция".split()
RU_PREDICATES = ["принял посла «Талибана»", "готов расширить сотрудничество с Кабулом",
                 "не признаёт новое правительство", "направит делегацию в Кабул",
                 "требует гарантий безопасности", "продлил санкции"]  # fmt: skip
RU_TAILS = ["", " в ближайшие месяцы", ", заявили в МИД", " без предварительных условий"]
CONTEXTS = ["Moscow Format consultations, Moscow", "press conference", "interview",
            "UN Security Council briefing", "regional security forum, Tashkent"]  # fmt: skip
NOTES = {
    Link.Kind.CORROBORATES: ["Both report the same decision.", "Independent accounts agree."],
    Link.Kind.CONTRADICTS: [
        "One says the envoy was accepted, the other denies it.",
        "They disagree on the date of the decision.",
        "Kabul alleges it; Islamabad denies it.",
    ],
    Link.Kind.SAME_STATEMENT: ["The same words, relayed by another outlet.", ""],
}


class Command(BaseCommand):
    help = "Fill the database with synthetic claims and links (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--claims", type=int, required=True, help="Claims to create.")
        parser.add_argument("--links", type=int, default=0, help="Links to create among them.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Generate and roll back; keep nothing."
        )

    def handle(self, *args, claims, links, seed, dry_run, verbosity, **options):
        if claims < 0 or links < 0:
            raise CommandError("--claims and --links must not be negative.")
        progress = self.stdout.write if verbosity > 1 else None
        try:
            counts = generate(claims, links, seed=seed, dry_run=dry_run, progress=progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        created = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(f"{'Would create' if dry_run else 'Created'}: {created}.")


def generate(claims, links, seed=0, dry_run=False, progress=None, using=DEFAULT_DB_ALIAS):
    """Create `claims` claims and `links` links among them; return the counts created."""
    if links > claims * ((claims - 1) // 2):
        raise ValueError(f"{claims} claims cannot have {links} distinct links; ask for fewer.")
    rng = random.Random(seed)
    counts = Counter()
    with transaction.atomic(using=using):
        writer = _Writer(connections[using], counts)
        pools = _reference_data(claims, counts, using)
        first_claim = _write_claims(rng, claims, pools, writer, progress, using)
        _write_links(rng, first_claim, claims, links, writer, progress)
        writer.reset_sequences([Source, Claim])
        if progress:
            progress("  computing the evidence values")
        evidence.rebuild(using=using)
        if dry_run:
            transaction.set_rollback(True, using=using)
    if not dry_run:
        writer.analyze([Source, Claim, Claim.topics.through, Claim.subjects.through, Link])
    order = ["outlets", "speakers", "speaker aliases", "topics", "subjects", "sources", "claims"]
    order += ["claim topics", "claim subjects", "links"]
    return {name: counts[name] for name in order}


class _Writer:
    """Writes rows of a model: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, connection, counts):
        self.connection = connection
        self.counts = counts
        self.now = timezone.now()

    def write(self, model, fields, rows, label):
        if not rows:
            return
        self.counts[label] += len(rows)
        fields = [model._meta.get_field(name) for name in fields]
        if self.connection.vendor != "postgresql":
            names = [field.attname for field in fields]
            objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
            # A plain bulk_create: generate() rebuilds every evidence value at the end.
            rows = models.QuerySet(model, using=self.connection.alias)
            rows.bulk_create(objects, batch_size=1000)
            return
        q = self.connection.ops.quote_name
        columns = ", ".join(q(field.column) for field in fields)
        statement = f"COPY {q(model._meta.db_table)} ({columns}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def analyze(self, models):
        """Fresh planner statistics: the export's plans depend on them."""
        if self.connection.vendor != "postgresql":
            return
        q = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {q(model._meta.db_table)}")

    def reset_sequences(self, models):
        """Ids were given explicitly: move the sequences past them."""
        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def _ensure(model, key, rows, counts, label, using):
    """Create the rows that are new; return every row's id, in order.

    A row is not new when a record has its `key` or any other unique value of it: the
    seed corpus may hold "United Arab Emirates" under another slug, and that record
    is the one the generated claims are about.
    """
    objects = model.objects.using(using)
    before = objects.count()
    objects.bulk_create([model(**row) for row in rows], batch_size=1000, ignore_conflicts=True)
    counts[label] += objects.count() - before
    unique = [key] + [
        field.name
        for field in model._meta.fields
        if field.unique and not field.primary_key and field.name != key and field.name in rows[0]
    ]
    ids = [None] * len(rows)
    for name in unique:
        missing = [i for i, pk in enumerate(ids) if pk is None]
        if not missing:
            break
        values = [rows[i][name] for i in missing]
        found = dict(objects.filter(**{f"{name}__in": values}).values_list(name, "pk"))
        for i in missing:
            ids[i] = found.get(rows[i][name])
    return ids


def _reference_data(claims, counts, using):
    """Outlets, speakers and aliases, topics and subjects, the same on every run."""
    outlet_rows = [
        {"name": name, "slug": slugify(name), "kind": Outlet.Kind.NEWS_AGENCY} for name in AGENCIES
    ]
    outlet_rows += [
        {
            "name": f"The {word} {noun}",
            "slug": slugify(f"the {word} {noun}"),
            "kind": Outlet.Kind.NEWSPAPER,
            "country": COUNTRIES[(i * 7 + j) % len(COUNTRIES)],
        }
        for i, word in enumerate(OUTLET_WORDS)
        for j, noun in enumerate(OUTLET_NOUNS)
    ]
    outlets = _ensure(Outlet, "slug", outlet_rows, counts, "outlets", using)
    names = {row["slug"]: row["name"] for row in outlet_rows}
    outlet_names = [names[row["slug"]] for row in outlet_rows]

    speaker_count = max(10, min(20000, claims // 50))
    speaker_rows, alias_rows = [], []
    for i in range(speaker_count):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        name = f"{first} {last}"
        speaker_rows.append(
            {
                "name": name,
                "slug": f"{slugify(name)}-{i}",
                "kind": Speaker.Kind.PERSON,
                "affiliation": COUNTRIES[i % len(COUNTRIES)] + " government",
                "country": COUNTRIES[i % len(COUNTRIES)],
            }
        )
    speakers = _ensure(Speaker, "slug", speaker_rows, counts, "speakers", using)
    for i, (row, pk) in enumerate(zip(speaker_rows, speakers, strict=True)):
        first, last = row["name"].split(" ", 1)
        variants = [last, f"{first[0]}. {last}", f"{first} {last[:-1]}{last[-1] * 2}"]
        alias_rows += [{"speaker_id": pk, "name": alias} for alias in variants[: i % 4]]
    before = SpeakerAlias.objects.using(using).count()
    SpeakerAlias.objects.using(using).bulk_create(
        [SpeakerAlias(**row) for row in alias_rows], batch_size=1000, ignore_conflicts=True
    )
    counts["speaker aliases"] += SpeakerAlias.objects.using(using).count() - before

    subject_rows = [
        {"name": name, "slug": slugify(name), "kind": Subject.Kind.STATE} for name in COUNTRIES
    ] + [
        {"name": name, "slug": slugify(name), "kind": Subject.Kind.ORGANISATION}
        for name in ORGANISATIONS
    ]
    subjects = _ensure(Subject, "slug", subject_rows, counts, "subjects", using)
    topic_rows = [
        {"title": question.format(country), "slug": slugify(question.format(country))}
        for question in QUESTIONS
        for country in COUNTRIES[:8]
    ]
    topics = _ensure(Topic, "slug", topic_rows, counts, "topics", using)
    return {
        "outlets": list(zip(outlets, outlet_names, strict=True)),
        "agencies": list(zip(outlets[: len(AGENCIES)], AGENCIES, strict=True)),
        "speakers": list(zip(speakers, [row["name"] for row in speaker_rows], strict=True)),
        "subjects": subjects,
        "topics": topics,
    }


def _skewed(rng, items):
    """A few items are picked often and most rarely, as with real speakers and topics."""
    return items[int(len(items) * rng.random() ** 2)]


def _sentence(rng, russian):
    if russian:
        return f"{rng.choice(RU_SUBJECTS)} {rng.choice(RU_PREDICATES)}{rng.choice(RU_TAILS)}."
    subject = rng.choice(COUNTRIES)
    return f"{subject} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)}."


def _claim_text(rng, russian):
    sentences = rng.choices([1, 2, 3, 8], weights=[50, 30, 15, 5])[0]
    text = " ".join(_sentence(rng, russian) for _ in range(sentences))
    if rng.random() < 0.1:
        text = f"{text} {rng.choice(EXTRAS)}"
    return text


def _normalised(text):
    """claims.integrity.normalise's text, without its offsets, at C speed."""
    return re.sub(r"\s+", " ", text).strip().translate(_QUOTES)


def _date(rng, latest, precision, earliest_days=60):
    """A date up to `earliest_days` before `latest`, at `precision`."""
    value = latest - datetime.timedelta(days=rng.randrange(earliest_days))
    return truncate(value, precision)


CLAIM_FIELDS = [
    "id", "text", "kind", "speaker", "speaker_role", "stated_on", "stated_on_precision",
    "source", "via", "context", "span_start", "span_end", "integrity", "created_at",
    "updated_at",
]  # fmt: skip
SOURCE_FIELDS = [
    "id", "title", "kind", "outlet", "authors", "url", "published_on", "published_on_precision",
    "language", "full_text", "notes", "created_at", "updated_at", "derived_from", "derivation",
    "wire",
]  # fmt: skip


def _write_claims(rng, total, pools, writer, progress, using):
    """Write `total` claims with their sources; return the first claim's id."""
    next_source = (Source.objects.using(using).aggregate(top=Max("pk"))["top"] or 0) + 1
    pools["first_source"] = next_source
    first_claim = (Claim.objects.using(using).aggregate(top=Max("pk"))["top"] or 0) + 1
    next_claim = first_claim
    written = 0
    while written < total:
        sources, claims, topics, subjects = [], [], [], []
        batch_end = min(total, written + BATCH)
        while written < batch_end:
            count = min(rng.randint(1, 9), batch_end - written)
            source, source_claims = _source(rng, next_source, next_claim, count, pools, writer.now)
            sources.append(source)
            for claim in source_claims:
                claims.append(claim)
                topics += [(claim[0], pk) for pk in _some(rng, pools["topics"])]
                subjects += [(claim[0], pk) for pk in _some(rng, pools["subjects"])]
            next_source += 1
            next_claim += count
            written += count
        writer.write(Source, SOURCE_FIELDS, sources, "sources")
        writer.write(Claim, CLAIM_FIELDS, claims, "claims")
        writer.write(Claim.topics.through, ["claim", "topic"], topics, "claim topics")
        writer.write(Claim.subjects.through, ["claim", "subject"], subjects, "claim subjects")
        if progress and (written % 100_000 < BATCH or written == total):
            progress(f"  {written} claims written")
    return first_claim


def _some(rng, ids):
    return {_skewed(rng, ids) for _ in range(rng.randint(0, 3))}


KINDS = [Claim.Kind.QUOTE, Claim.Kind.PARAPHRASE, Claim.Kind.ASSERTION]
PRECISIONS = [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR, DatePrecision.UNKNOWN]
FIRST_DAY = datetime.date(2015, 1, 1)
DAYS = (datetime.date(2025, 12, 31) - FIRST_DAY).days


def _source(rng, source_id, first_claim, count, pools, now):
    """One source row and its `count` claim rows; its full text is written around them."""
    outlet_id, outlet_name = rng.choice(pools["outlets"])
    if rng.random() < 0.1:
        outlet_id, outlet_name = None, "an unnamed publisher"
    published = FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS))
    precision = rng.choices(PRECISIONS[:3], weights=[80, 15, 5])[0]
    russian = rng.random() < 0.05
    title = _sentence(rng, russian).rstrip(".")
    full_text = f"{title}\n\nReported by {outlet_name}. "
    claims = []
    for claim_id in range(first_claim, first_claim + count):
        speaker_id, speaker_name = _skewed(rng, pools["speakers"])
        kind = rng.choice(KINDS)
        if kind == Claim.Kind.ASSERTION:
            speaker_id = None  # the source asserts it
        before, after = {
            Claim.Kind.QUOTE: (f"{speaker_name} said: “", "”"),
            Claim.Kind.PARAPHRASE: (f"According to {speaker_name}, ", ""),
        }.get(kind, ("", ""))
        while True:
            # The span must be where the integrity check finds the text: its first
            # occurrence once white space and quote marks are normalised.
            text = _claim_text(rng, russian)
            wanted, found = _normalised(text), _normalised(full_text + before + text)
            if found.find(wanted) == len(found) - len(wanted):
                break
        span_start = len(full_text) + len(before)
        filler = f" {rng.choice(EXTRAS)}" if rng.random() < 0.3 else ""
        full_text += f"{before}{text}{after}{filler}\n\n"
        stated_precision = rng.choices(PRECISIONS, weights=[60, 20, 5, 15])[0]
        via = None
        if rng.random() < 0.15:
            via = rng.choice([pk for pk, _ in pools["agencies"] if pk != outlet_id])
        claims.append(
            (
                claim_id,
                text,
                kind,
                speaker_id,
                rng.choice(ROLES) if speaker_id and rng.random() < 0.6 else "",
                _date(rng, published, stated_precision),
                stated_precision,
                source_id,
                via,
                rng.choice(CONTEXTS) if rng.random() < 0.3 else "",
                span_start,
                span_start + len(text),
                Claim.Integrity.LOCATED,
                now,
                now,
            )
        )
    slug = slugify(title)[:60] or "report"
    # Some sources copy an earlier one (republish, rewrite, translate) or carry an
    # agency's copy, as news does: their claims are not independent reports.
    derived_from, derivation, wire = None, "", None
    lineage = rng.random()
    if lineage < 0.08 and source_id > pools["first_source"]:
        derived_from = rng.randrange(pools["first_source"], source_id)
        derivation = rng.choice(Source.Derivation.values)
    elif lineage < 0.16:
        wire = rng.choice([pk for pk, _ in pools["agencies"] if pk != outlet_id])
    source = (
        source_id,
        title,
        rng.choice(Source.Kind.values[:5]),
        outlet_id,
        f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.7 else "",
        f"https://news.example.org/{published:%Y/%m}/{slug}-{source_id}",
        truncate(published, precision),
        precision,
        "ru" if russian else "en",
        full_text.rstrip(),
        "",
        now,
        now,
        derived_from,
        derivation,
        wire,
    )
    return source, claims


def _write_links(rng, first_claim, claims, links, writer, progress):
    """`links` links among the new claims: every kind, no self-links, no pair twice.

    Claims are shuffled, then linked at fixed distances in that order: the pair
    {i, i + d} (mod n) for distances 1 <= d <= (n - 1) / 2 never repeats.
    """
    if not links:
        return
    order = list(range(first_claim, first_claim + claims))
    rng.shuffle(order)
    distances = rng.sample(range(1, (claims - 1) // 2 + 1), -(-links // claims))
    kinds = list(NOTES)
    batch, written = [], 0
    for distance in distances:
        for i in range(min(claims, links - written)):
            a, b = order[i], order[(i + distance) % claims]
            if rng.random() < 0.5:
                a, b = b, a
            kind = rng.choices(kinds, weights=[50, 25, 25])[0]
            note = rng.choice(NOTES[kind])
            if kind == Link.Kind.CORROBORATES and rng.random() < 0.5:
                note = ""
            batch.append((a, b, kind, note, writer.now))
            written += 1
            if len(batch) >= BATCH * 4:
                writer.write(
                    Link, ["claim_a", "claim_b", "kind", "note", "created_at"], batch, "links"
                )
                batch = []
                if progress and written % 100_000 < BATCH * 4:
                    progress(f"  {written} links written")
    writer.write(Link, ["claim_a", "claim_b", "kind", "note", "created_at"], batch, "links")
