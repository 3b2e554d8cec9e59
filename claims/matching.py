"""Claim matching: existing claims that are probably the same statement as a claim,
that corroborate it, or that may contradict it, each with a score and its reasons.

Suggestions are never links: an editor confirms each, with a note, in the admin.

Two steps. `pool()` asks the database for a few hundred candidates by what can be
found through an index: the same speaker, a shared subject or topic, similar
words (on PostgreSQL, the claim's rarest words through the search document's GIN
index, how rare told by the planner's statistics; on SQLite, meant for small data,
its longest words). `rank()` then scores each candidate in Python from
what a researcher would weigh: shared words (word stems, so "recognise" meets
"recognition", each weighted by how rare it is among the candidates), the same
speaker, shared subjects and topics, and how close the dates are; a claim in the
probe's own source counts less (an article saying a thing twice is one report).
The score is a weighted mean, in [0, 1]. The weights, `WEIGHTS`, were chosen on
half the seed corpus's links and are measured on the other half (bench/match.py).
"""

import datetime
import itertools
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import SearchQueryField
from django.db import connections, router
from django.db.models import BooleanField, F, FloatField, Func, Q, Value
from django.db.models.functions import Cast

from . import budget
from .extraction import SPEECH_VERBS
from .models import Claim, Link
from .search import CONFIG

logger = logging.getLogger(__name__)

WEIGHTS = {"words": 0.7, "speaker": 0.2, "subjects": 0.2, "topics": 0.1, "dates": 0.1}
# A claim in the probe's own source counts this share of its score.
SAME_SOURCE = 0.5
# Dates this many days apart or more add nothing; closer, they add in proportion.
DATE_WINDOW = 30
# A score under this is a long shot: the page says so.
WEAK = 0.3
# How many candidates each way of finding them may bring.
POOL = 200
# The similar-words search on PostgreSQL: the rarest words of the text it looks for,
# how many claims its terms may be expected to match together, and how many terms.
RARE_WORDS = 8
MATCHED_ROWS = 2000
MAX_TERMS = 16

# Words that say nothing of what a statement is about.
STOPWORDS = set(
    "a an the and or but if of to in on at by for with from as into about over after before "
    "is are was were be been being has have had do does did will would shall should can "
    "could may might must that this these those it its it's they them their there here "
    "he she his her him we our us you your i me my who whom which what when where why how "
    "also said says say stated told added noted not no nor than then so such very more most "
    "all any some one two its s t".split()
) | set(SPEECH_VERBS)
# Words that turn a statement into its denial.
NEGATIONS = set(
    "not no never none nor deny denies denied refute refuted refutes reject rejects rejected "
    "oppose opposes opposed unfounded false untrue dismissed dismisses cannot won't isn't "
    "aren't wasn't doesn't didn't".split()
)


def content_words(text):
    """{stem: word} for the content words of `text`: lower-cased, each stem its word's
    first six letters (so "recognise" and "recognition" share one)."""
    words = re.findall(r"[^\W_]+(?:'[^\W_]+)?", text.lower().replace("’", "'"))
    found = {}
    for word in words:
        if word not in STOPWORDS and len(word) > 1:
            found.setdefault(word[:6], word)
    return found


def stems(text):
    return set(content_words(text))


@dataclass
class Probe:
    """What is known of the claim to match: an existing claim, or a candidate."""

    text: str
    speaker_id: int | None = None
    speaker_name: str = ""  # its words are not counted as shared words
    stated_on: datetime.date | None = None
    subjects: dict = field(default_factory=dict)  # id -> name
    topics: dict = field(default_factory=dict)  # id -> title
    source_id: int | None = None
    exclude: frozenset = frozenset()  # ids never to suggest (itself, its linked claims)
    words_cut_short: bool = False  # set when the similar-words search ran out of time

    @classmethod
    def of(cls, claim, exclude_linked=True):
        excluded = {claim.pk}
        if exclude_linked:
            excluded |= set(Link.objects.partners_of([claim.pk]))
        return cls(
            text=claim.text,
            speaker_id=claim.speaker_id,
            speaker_name=claim.speaker.name if claim.speaker_id else "",
            stated_on=claim.stated_on,
            subjects=dict(claim.subjects.values_list("pk", "name")),
            topics=dict(claim.topics.values_list("pk", "title")),
            source_id=claim.source_id,
            exclude=frozenset(excluded),
        )


@dataclass
class Suggestion:
    claim: Claim
    score: float
    kind: str  # a Link.Kind value: what the editor would most likely link it as
    reasons: list = field(default_factory=list)

    @property
    def weak(self):
        """Little in common: shown, but said to be a long shot."""
        return self.score < WEAK

    @property
    def kind_display(self):
        if self.kind == Link.Kind.CONTRADICTS:
            return "may contradict"
        return Link.Kind(self.kind).label


def suggest(probe, limit=5, using=None):
    """The `limit` best suggestions for `probe`, best first."""
    using = using or router.db_for_read(Claim)
    return rank(probe, pool(probe, using=using), limit=limit, using=using)


@dataclass(slots=True)
class Candidate:
    """What the score reads of a candidate claim: a row, not a model instance (a
    pool holds hundreds; only the few suggested are loaded as claims)."""

    pk: int
    text: str
    speaker_id: int | None
    speaker_name: str
    stated_on: datetime.date | None
    source_id: int | None
    subject_ids: set = field(default_factory=set)
    topic_ids: set = field(default_factory=set)


def pool(probe, using=None):
    """Candidate claims for `probe`, each with its subject and topic ids: a few hundred
    at most, found through indexes."""
    using = using or router.db_for_read(Claim)
    claims = Claim.objects.using(using).exclude(pk__in=probe.exclude)
    ids = set()
    if probe.speaker_id is not None:
        ids |= _nearest(claims.filter(speaker_id=probe.speaker_id), probe.stated_on)
    if probe.subjects:
        ids |= _nearest(claims.filter(subjects__in=probe.subjects), probe.stated_on)
    if probe.topics:
        ids |= _nearest(claims.filter(topics__in=probe.topics), probe.stated_on)
    try:
        ids |= _similar_words(claims, probe.text, connections[using])
    except budget.OverBudget:
        # Over its time budget (a text whose words nearly every claim shares): the
        # other ways of finding candidates still stand, and the page says so.
        logger.warning("Similar-words search over its budget for %r", probe.text[:80])
        probe.words_cut_short = True
    rows = (
        Claim.objects.using(using)
        .filter(pk__in=ids)
        .values_list("pk", "text", "speaker_id", "speaker__name", "stated_on", "source_id")
    )
    by_id = {
        pk: Candidate(pk, text, speaker_id, name or "", stated_on, source_id)
        for pk, text, speaker_id, name, stated_on, source_id in rows
    }
    # Their subjects and topics, as ids: what the score compares.
    for through, attribute, column in (
        (Claim.subjects.through, "subject_ids", "subject_id"),
        (Claim.topics.through, "topic_ids", "topic_id"),
    ):
        pairs = through.objects.using(using).filter(claim_id__in=by_id)
        for claim_id, related_id in pairs.values_list("claim_id", column):
            getattr(by_id[claim_id], attribute).add(related_id)
    return list(by_id.values())


# What a suggestion shows of its claim.
SHOWN = [
    "text",
    "kind",
    "speaker_id",
    "stated_on",
    "stated_on_precision",
    "source_id",
    "speaker__name",
    "speaker__slug",
    "source__title",
    "source__authors",
    "source__outlet__name",
]


def _nearest(claims, stated_on):
    """Ids of up to POOL claims of `claims` dated nearest to `stated_on`."""
    if stated_on is None:
        return set(claims.order_by("-stated_on", "-pk").values_list("pk", flat=True)[:POOL])
    half = POOL // 2
    before = claims.filter(stated_on__lte=stated_on).order_by("-stated_on", "-pk")
    after = claims.filter(stated_on__gt=stated_on).order_by("stated_on", "pk")
    return set(before.values_list("pk", flat=True)[:half]) | set(
        after.values_list("pk", flat=True)[:half]
    )


def _similar_words(claims, text, connection):
    if connection.vendor == "postgresql":
        groups, lexemes = _rare_terms(text, connection)
        if not groups:
            return set()
        # The claims holding the rarest of the text's words (or, where every word is
        # common, pairs or triples of them together), through the search document's
        # GIN index; the ones sharing most of those words first. Only the matched
        # rows are ranked, and the terms are chosen so that they are few.
        wanted = _tsquery(" | ".join("(" + " & ".join(map(_lexeme, g)) + ")" for g in groups))
        every_word = _tsquery(" | ".join(map(_lexeme, lexemes)))
        similar = claims.filter(_Matches(F("search_document"), wanted))
        similar = similar.annotate(similarity=_Rank(F("search_document"), every_word))
        ids = similar.order_by("-similarity", "-pk").values_list("pk", flat=True)[:POOL]
        # Within a time budget (claims.budget): a text whose words are all common
        # may still match more than can be ranked in time.
        with budget.within(connection.alias, settings.MATCHING_WORDS_BUDGET_MS):
            found = set(ids)
        return found
    # SQLite, for small data: claims holding any of the text's three longest words.
    words = sorted(set(re.findall(r"\w{5,}", text.lower())), key=len, reverse=True)[:3]
    if not words:
        return set()
    condition = Q()
    for word in words:
        condition |= Q(search_document__contains=word)
    return set(claims.filter(condition).order_by("-pk").values_list("pk", flat=True)[:POOL])


def _rare_terms(text, connection):
    """The tsquery terms that find claims sharing `text`'s rarest words: single words
    while they are rare enough, then pairs and triples of the commoner ones, so that
    together they are expected to match about MATCHED_ROWS claims at most.

    How common each word is comes from the planner's statistics of the search
    document (pg_stats.most_common_elems, kept by ANALYZE and autovacuum): a word
    not among them is rarer than the rarest that is. They only choose the terms;
    nothing shown is counted from them.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(to_tsvector(%s, %s)), s.most_common_elems::text::text[], "
            "s.most_common_elem_freqs, c.reltuples "
            "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
            "AND s.tablename = c.relname AND s.attname = 'search_document' "
            "WHERE c.oid = %s::regclass",
            [CONFIG, text, Claim._meta.db_table],
        )
        lexemes, common, frequencies, rows = cursor.fetchone()
    lexemes = [word for word in lexemes or [] if word not in STOPWORDS]
    if not lexemes:
        return [], []
    rows = max(rows or 0, 1)
    # The frequencies end with three more (the least, the most, and of nulls).
    known = dict(zip(common or [], frequencies or [], strict=False))
    unlisted = min(known.values()) / 2 if known else 0.0
    share = {word: known.get(word, unlisted) for word in lexemes}
    # The rarest first; among equals (no statistics yet), the longest.
    lexemes = sorted(lexemes, key=lambda word: (share[word], -len(word), word))[:RARE_WORDS]
    chosen, expected = [], 0.0
    for size in (1, 2, 3):
        groups = itertools.combinations(lexemes, size)
        for group in sorted(groups, key=lambda group: math.prod(share[w] for w in group)):
            if any(set(earlier) <= set(group) for earlier in chosen):
                continue  # a pair holding a word already sought alone adds nothing
            fraction = math.prod(share[word] for word in group)
            if len(chosen) == MAX_TERMS or min(expected + fraction, 1) * rows > MATCHED_ROWS:
                break  # the rest of this size are commoner still
            chosen.append(group)
            expected += fraction
    if not chosen:
        # Even three of its words together are common: the rarest three, within
        # the time budget.
        chosen = [tuple(lexemes[:3])]
    return chosen, lexemes


def _lexeme(word):
    """`word` as a quoted lexeme of tsquery's input syntax."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(value):
    """A tsquery written in its own syntax, taken as it is: its lexemes are already
    the search document's (to_tsquery would normalise them a second time)."""
    return Cast(Value(value), output_field=SearchQueryField())


class _Matches(Func):
    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _Rank(Func):
    function = "ts_rank"
    output_field = FloatField()


def rank(probe, candidates, limit=None, using=None):
    """The `limit` best of `candidates` (pool()'s) scored against `probe`, best first,
    as Suggestions of their claims."""
    # Names say who, not what: the speaker's own name counts once, as the speaker.
    probe_words = content_words(probe.text)
    for stem in stems(probe.speaker_name):
        probe_words.pop(stem, None)
    probe_stems = set(probe_words)
    candidates = [claim for claim in candidates if claim.pk not in probe.exclude]
    their_stems = {claim.pk: stems(claim.text) - stems(claim.speaker_name) for claim in candidates}
    rarity = _rarity(list(their_stems.values()))
    scored = []
    for claim in candidates:
        words, shared = _shared_words(probe_stems, their_stems[claim.pk], rarity)
        scored.append((_score(probe, claim, words), claim, words, shared))
    scored.sort(key=lambda row: (-row[0], row[1].pk))
    scored = scored[:limit]
    # Only the suggested are read as claims, with what a suggestion shows of them.
    shown = (
        Claim.objects.using(using or router.db_for_read(Claim))
        .select_related("speaker", "source__outlet")
        .only(*SHOWN)
        .in_bulk([claim.pk for _, claim, _, _ in scored])
    )
    return [
        Suggestion(
            shown[claim.pk], score, *_kind_and_reasons(probe, claim, words, shared, probe_words)
        )
        for score, claim, words, shared in scored
        if claim.pk in shown  # not deleted since it was pooled
    ]


def _days_apart(probe, claim):
    if claim.stated_on and probe.stated_on:
        return abs((claim.stated_on - probe.stated_on).days)
    return None


def _score(probe, claim, words):
    """The weighted mean of what `claim` shares with `probe`, in [0, 1]."""
    days = _days_apart(probe, claim)
    near = max(0.0, 1 - days / DATE_WINDOW) if days is not None else 0.0
    score = (
        WEIGHTS["words"] * words
        + WEIGHTS["speaker"] * _same_speaker(probe, claim)
        + WEIGHTS["subjects"] * _overlap(probe.subjects, claim.subject_ids)
        + WEIGHTS["topics"] * _overlap(probe.topics, claim.topic_ids)
        + WEIGHTS["dates"] * near
    ) / TOTAL_WEIGHT
    if probe.source_id is not None and claim.source_id == probe.source_id:
        # The same article saying a thing twice is not a second report of it.
        score *= SAME_SOURCE
    return round(score, 3)


TOTAL_WEIGHT = sum(WEIGHTS.values())


def _same_speaker(probe, claim):
    return probe.speaker_id is not None and claim.speaker_id == probe.speaker_id


def _kind_and_reasons(probe, claim, words, shared, probe_words):
    """The link a suggestion most likely is, and the reasons the editor reads."""
    reasons = []
    same_speaker = _same_speaker(probe, claim)
    subjects = [probe.subjects[pk] for pk in claim.subject_ids if pk in probe.subjects]
    topics = [probe.topics[pk] for pk in claim.topic_ids if pk in probe.topics]
    days = _days_apart(probe, claim)
    if probe.source_id is not None and claim.source_id == probe.source_id:
        reasons.append("in the same source")
    if same_speaker:
        reasons.append("same speaker")
    if subjects:
        reasons.append("same subject: " + ", ".join(sorted(subjects)))
    if topics:
        reasons.append("same question: " + ", ".join(sorted(topics)))
    if days is not None and days < DATE_WINDOW:
        apart = {0: "the same day", 1: "1 day apart"}.get(days, f"{days} days apart")
        reasons.append(f"stated {apart}")
    if shared:
        named = ", ".join(probe_words[stem] for stem in shared)
        reasons.append(f"similar words ({words:.0%}): {named}")
    kind = Link.Kind.CORROBORATES
    if same_speaker and words >= 0.5 and (days is None or days <= 7):
        kind = Link.Kind.SAME_STATEMENT
    elif not same_speaker and words >= 0.3 and _negated(claim.text) != _negated(probe.text):
        kind = Link.Kind.CONTRADICTS
        reasons.append("one denies what the other says")
    return kind, reasons


def _rarity(stem_sets):
    """Each stem's weight: the rarer among the candidates, the more it says."""
    counts = Counter(stem for found in stem_sets for stem in found)
    total = len(stem_sets)
    return {stem: math.log((total + 1) / (count + 1)) + 1 for stem, count in counts.items()}


def _shared_words(probe_stems, stems_, rarity):
    """The rarity-weighted share of the shorter text's stems that the other has too,
    and the shared stems, rarest first (five at most, for the reason)."""
    if not probe_stems or not stems_:
        return 0.0, []
    shared = probe_stems & stems_

    def weight(found):
        return sum(rarity.get(stem, 1.0) for stem in found)

    share = weight(shared) / min(weight(probe_stems), weight(stems_))
    rarest = sorted(shared, key=lambda stem: (-rarity.get(stem, 1.0), stem))[:5]
    return share, rarest


def _overlap(wanted, ids):
    """The share of the probe's `wanted` {id: name} among a candidate's `ids`."""
    return sum(pk in wanted for pk in ids) / len(wanted) if wanted else 0.0


def _negated(text):
    text = re.sub(r"\bnot (?:only|just|merely)\b", " ", text.lower())  # "not only ... but"
    return any(word in NEGATIONS for word in re.findall(r"[\w']+", text))
