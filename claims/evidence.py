"""The evidence model: statements, origins, witnesses and the two counts, computed once.

Every page, facet, filter and export reads the values this module stores on each
claim; nothing else derives them. The rule, in the README's words:

- *Lineage.* A source may republish, rewrite or translate another source
  (`Source.derived_from`) or carry a news agency's copy (`Source.wire`). Following
  `derived_from` to its end (stopping at an agency's copy, and safe against cycles)
  gives the source's *lineage origin*: the agency, else the root source's outlet,
  else the root source itself.
- *Statement.* Claims joined by same-statement links, directly or through a chain,
  are one statement: the connected component. It is named by its smallest claim id,
  which identifies it and decides nothing else.
- *Origin* of a report: the channel it names (`via`, "told TASS"), else a channel
  named by another report of its statement in the same lineage (a copy carries its
  original's channel), else its source's lineage origin. *Reported by N independent
  sources*: the distinct origins of a statement's reports.
- *Witness* of a claim: for a quote or a paraphrase its speaker; for a source's own
  assertion, the speaker of its statement where its other reports name exactly one
  (an article restating a speaker in its own voice), else the root source's author
  where known, else its lineage origin.
  *Corroborated by M independent witnesses*: the distinct witnesses of the claims
  that corroborate any report of the claim's statement, leaving out its own witness.

Every answer is a function of the data, never of ids or of the order in which links
were entered; a test holds the stored values to a recomputation after random edits.

Writes keep the values current in their own transaction: the models' save() and
delete(), the querysets' update() and delete(), the seed loader and the generator
call `refresh()` (a few claims) or `rebuild()` (all of them). `verify()` recomputes
everything and lists what differs from what is stored.

The bulk write on PostgreSQL (`_write_postgresql`) is raw SQL: COPY into a temporary
table and one UPDATE from it. Its portable twin is `_write_portable`; the tests run
both against the same recomputation.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import Q

# The stored fields, in the order `_Values` holds them.
FIELDS = [
    "statement_key",
    "origin_key",
    "witness_key",
    "statement_reports",
    "independent_sources",
    "corroborating_reports",
    "independent_witnesses",
    "contradicting_reports",
    "link_count",
    "corroborating_ids",
    "contradicting_ids",
]

CORROBORATES, CONTRADICTS, SAME = "corroborates", "contradicts", "same_statement"
# Batches of ids per query when loading part of the graph.
BATCH = 2000


@dataclass(frozen=True)
class _Values:
    statement_key: int
    origin_key: str
    witness_key: str
    statement_reports: int
    independent_sources: int
    corroborating_reports: int
    independent_witnesses: int
    contradicting_reports: int
    link_count: int
    corroborating_ids: str
    contradicting_ids: str

    def row(self):
        return tuple(getattr(self, name) for name in FIELDS)


# Keys -------------------------------------------------------------------------------


def outlet_key(outlet_id):
    return f"outlet:{outlet_id}"


def source_key(source_id):
    return f"source:{source_id}"


def speaker_key(speaker_id):
    return f"speaker:{speaker_id}"


def author_key(authors):
    """One author is one witness wherever they write: the name, case and spacing aside."""
    return "author:" + " ".join(authors.casefold().split())


@dataclass(frozen=True)
class _Source:
    pk: int
    outlet_id: int | None
    wire_id: int | None
    derived_from_id: int | None
    authors: str
    published_on: object
    title: str
    url: str

    def order_key(self):
        # Where a lineage loops, the earliest-published member stands for it; the id
        # only separates records that agree on date, title and address.
        return (self.published_on is None, self.published_on or 0, self.title, self.url, self.pk)


class Lineage:
    """Lineage origins of sources, followed through `derived_from`, safe against cycles."""

    def __init__(self, sources):
        self.sources = sources  # {pk: _Source}, closed under derived_from
        self._root = {}

    def root(self, pk):
        """The source where `pk`'s lineage ends: an agency's copy, the top, or a loop."""
        if pk in self._root:
            return self._root[pk]
        path, seen = [], set()
        current = pk
        while True:
            if current in self._root:
                root = self._root[current]
                break
            source = self.sources[current]
            path.append(current)
            seen.add(current)
            parent = source.derived_from_id
            if source.wire_id is not None or parent is None:
                root = current
                break
            if parent in seen:
                loop = path[path.index(parent) :]
                root = min(loop, key=lambda member: self.sources[member].order_key())
                break
            current = parent
        for member in path:
            self._root[member] = root
        return root

    def origin(self, pk):
        """The agency, else the root's outlet, else the root source: where a report comes from."""
        root = self.sources[self.root(pk)]
        if root.wire_id is not None:
            return outlet_key(root.wire_id)
        if root.outlet_id is not None:
            return outlet_key(root.outlet_id)
        return source_key(root.pk)

    def asserter(self, pk):
        """Who vouches for a source's own assertion: the root's author, else its origin."""
        root = self.sources[self.root(pk)]
        if root.wire_id is None and root.authors.strip():
            return author_key(root.authors)
        return self.origin(pk)


# The rule ---------------------------------------------------------------------------


def _components(claim_ids, same_links):
    """{claim id: the smallest id of its statement}, by union-find over same-statement links."""
    parent = {pk: pk for pk in claim_ids}

    def find(pk):
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for a, b in same_links:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                low, high = (ra, rb) if ra < rb else (rb, ra)
                parent[high] = low
    return {pk: find(pk) for pk in claim_ids}


def _compute(targets, claims, lineage, links):
    """{claim id: _Values} for every id in `targets`.

    `claims` maps id to (kind, speaker_id, source_id, via_id) for every target, every
    claim in their statements and every claim linked to those; `links` holds every
    link (a, b, kind) with an end among those statements. `targets` is a union of
    whole statements.
    """
    statement = _components(claims.keys(), [(a, b) for a, b, kind in links if kind == SAME])
    members = defaultdict(list)
    for pk, key in statement.items():
        members[key].append(pk)

    shared = {}

    def statement_facts(key):
        """What a statement's reports share: the channels named in each lineage, the speakers."""
        if key not in shared:
            channels, speakers = defaultdict(set), set()
            for member in members[key]:
                kind, speaker_id, source_id, via_id = claims[member]
                if via_id is not None:
                    channels[lineage.root(source_id)].add(outlet_key(via_id))
                if kind != "assertion" and speaker_id is not None:
                    speakers.add(speaker_key(speaker_id))
            shared[key] = channels, speakers
        return shared[key]

    def origin(pk):
        kind, speaker_id, source_id, via_id = claims[pk]
        if via_id is not None:
            return outlet_key(via_id)
        # A copy carries the channel its original names: a rewrite of a "told TASS"
        # report comes from TASS too. Where its lineage names several channels, none
        # is its own: it stays with its lineage's origin.
        channels, _ = statement_facts(statement[pk])
        named = channels.get(lineage.root(source_id), set())
        return next(iter(named)) if len(named) == 1 else lineage.origin(source_id)

    def witness(pk):
        kind, speaker_id, source_id, via_id = claims[pk]
        if kind != "assertion" and speaker_id is not None:
            return speaker_key(speaker_id)
        # An article that restates, in its own voice, what one speaker said (a same-
        # statement link) is not a new witness: the speaker is.
        _, speakers = statement_facts(statement[pk])
        if len(speakers) == 1:
            return next(iter(speakers))
        return lineage.asserter(source_id)

    direct = defaultdict(lambda: defaultdict(set))
    for a, b, kind in links:
        direct[a][kind].add(b)
        direct[b][kind].add(a)

    values = {}
    by_statement = {}
    for pk in targets:
        key = statement[pk]
        if key not in by_statement:
            group = members[key]
            inside = set(group)
            corroborating = {
                other for m in group for other in direct[m][CORROBORATES] if other not in inside
            }
            contradicting = {
                other for m in group for other in direct[m][CONTRADICTS] if other not in inside
            }
            by_statement[key] = (
                len(group),
                len({origin(m) for m in group}),
                corroborating,
                {witness(other) for other in corroborating},
                len(contradicting),
            )
        reports, sources, corroborating, witnesses, contradicting = by_statement[key]
        own = witness(pk)
        ends = direct[pk]
        values[pk] = _Values(
            statement_key=key,
            origin_key=origin(pk),
            witness_key=own,
            statement_reports=reports,
            independent_sources=sources,
            corroborating_reports=len(corroborating),
            independent_witnesses=len(witnesses - {own}),
            contradicting_reports=contradicting,
            link_count=sum(len(others) for others in ends.values()),
            corroborating_ids=_joined(ends[CORROBORATES]),
            contradicting_ids=_joined(ends[CONTRADICTS]),
        )
    return values


def _joined(ids):
    return "; ".join(str(pk) for pk in sorted(ids))


# Loading ----------------------------------------------------------------------------


def batches(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _claim_rows(manager, ids):
    rows = {}
    for batch in batches(ids):
        for pk, *row in manager.filter(pk__in=batch).values_list(
            "pk", "kind", "speaker_id", "source_id", "via_id"
        ):
            rows[pk] = tuple(row)
    return rows


def _links_touching(link_manager, ids):
    found = set()
    for batch in batches(ids):
        found.update(
            link_manager.filter(Q(claim_a__in=batch) | Q(claim_b__in=batch)).values_list(
                "claim_a_id", "claim_b_id", "kind"
            )
        )
    return found


_SOURCE_FIELDS = (
    "pk",
    "outlet_id",
    "wire_id",
    "derived_from_id",
    "authors",
    "published_on",
    "title",
    "url",
)


def _lineage(source_manager, ids):
    """A Lineage holding `ids` and every source they derive from."""
    sources, wanted = {}, set(ids)
    while wanted:
        found = []
        for batch in batches(wanted):
            found += source_manager.filter(pk__in=batch).values_list(*_SOURCE_FIELDS)
        wanted = set()
        for row in found:
            source = _Source(*row)
            sources[source.pk] = source
            if source.derived_from_id is not None and source.derived_from_id not in sources:
                wanted.add(source.derived_from_id)
    return Lineage(sources)


def _statements_of(link_manager, ids):
    """`ids` and every claim joined to them through same-statement links."""
    found, frontier = set(ids), set(ids)
    while frontier:
        new = set()
        for batch in batches(frontier):
            new.update(
                end
                for pair in link_manager.filter(
                    Q(claim_a__in=batch) | Q(claim_b__in=batch), kind=SAME
                ).values_list("claim_a_id", "claim_b_id")
                for end in pair
            )
        frontier = new - found
        found |= new
    return found


def _managers(using):
    from .models import Claim, Link, Source

    return (
        Claim._base_manager.db_manager(using).order_by(),
        Link._base_manager.db_manager(using).order_by(),
        Source._base_manager.db_manager(using).order_by(),
    )


def _graph(ids, using):
    """Everything `_compute` needs to recompute the claims whose values `ids` can change.

    A change to a claim (or to a link at its end) changes its whole statement, and the
    claims that a report of that statement corroborates or contradicts, with theirs.
    """
    claims_m, links_m, sources_m = _managers(using)
    ids = {
        pk
        for batch in batches(ids)
        for pk in claims_m.filter(pk__in=batch).values_list("pk", flat=True)
    }
    changed = _statements_of(links_m, ids)
    partners = {
        other
        for a, b, kind in _links_touching(links_m, changed)
        if kind != SAME
        for other in (a, b)
    }
    targets = changed | _statements_of(links_m, partners - changed)
    links = _links_touching(links_m, targets)
    # A witness depends on its whole statement: load the statements of every claim
    # at the end of a link too.
    everyone = _statements_of(links_m, targets | {end for a, b, _ in links for end in (a, b)})
    links |= _links_touching(links_m, everyone - targets)
    claims = _claim_rows(claims_m, everyone)
    links = {(a, b, kind) for a, b, kind in links if a in claims and b in claims}
    lineage = _lineage(sources_m, {row[2] for row in claims.values()})
    return targets, claims, lineage, links


def _whole_graph(using):
    claims_m, links_m, sources_m = _managers(using)
    claims = {
        pk: tuple(row)
        for pk, *row in claims_m.values_list(
            "pk", "kind", "speaker_id", "source_id", "via_id"
        ).iterator(chunk_size=20_000)
    }
    links = set(links_m.values_list("claim_a_id", "claim_b_id", "kind").iterator(chunk_size=20_000))
    sources = {
        row[0]: _Source(*row)
        for row in sources_m.values_list(*_SOURCE_FIELDS).iterator(chunk_size=20_000)
    }
    return set(claims), claims, Lineage(sources), links


def _stored(using, ids=None):
    claims_m, _, _ = _managers(using)
    if ids is None:
        rows = claims_m.values_list("pk", *FIELDS).iterator(chunk_size=20_000)
        return {pk: tuple(row) for pk, *row in rows}
    stored = {}
    for batch in batches(ids):
        for pk, *row in claims_m.filter(pk__in=batch).values_list("pk", *FIELDS):
            stored[pk] = tuple(row)
    return stored


# Writing ----------------------------------------------------------------------------


def _write(using, changed):
    """Store `changed` ({claim id: row of FIELDS})."""
    if not changed:
        return
    from .models import Claim

    connection = connections[using]
    if connection.vendor == "postgresql" and len(changed) > 500:
        _write_postgresql(connection, changed, Claim)
    else:
        _write_portable(using, changed, Claim)


def _write_portable(using, changed, Claim):
    objects = []
    for pk, row in changed.items():
        claim = Claim(pk=pk)
        for name, value in zip(FIELDS, row, strict=True):
            setattr(claim, name, value)
        objects.append(claim)
    Claim._base_manager.db_manager(using).bulk_update(objects, FIELDS, batch_size=500)


def _write_postgresql(connection, changed, Claim):
    """COPY the new values into a temporary table and UPDATE the claims from it at once."""
    table = connection.ops.quote_name(Claim._meta.db_table)
    columns = [Claim._meta.get_field(name) for name in FIELDS]
    definitions = ", ".join(f"{f.column} {f.db_type(connection)}" for f in columns)
    assignments = ", ".join(f"{f.column} = n.{f.column}" for f in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE evidence_new (id bigint, {definitions}) ON COMMIT DROP"
        )
        names = ", ".join(["id"] + [f.column for f in columns])
        with cursor.copy(f"COPY evidence_new ({names}) FROM STDIN") as copy:
            for pk, row in changed.items():
                copy.write_row((pk, *row))
        cursor.execute(
            f"UPDATE {table} AS c SET {assignments} FROM evidence_new AS n WHERE c.id = n.id"
        )
        cursor.execute("DROP TABLE evidence_new")


# The entry points -------------------------------------------------------------------

# Any constant: the key of the lock that writers of evidence values take in turn.
LOCK_KEY = 7_294_031


def _serialise(using):
    """Let one transaction at a time compute evidence values (PostgreSQL).

    Two writers that each read the graph before the other commits would each store
    values computed without the other's change (a chain joined from both ends);
    SQLite already writes one transaction at a time. The lock ends with the
    transaction.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def refresh(claim_ids, using=None):
    """Recompute and store the values that a write to `claim_ids` (or their links) changes.

    Call it inside the writing transaction, after the write. Returns how many claims'
    stored values changed.
    """
    from .models import Claim

    using = using or router.db_for_write(Claim)
    ids = {pk for pk in claim_ids if pk is not None}
    if not ids:
        return 0
    with transaction.atomic(using=using):
        _serialise(using)
        targets, claims, lineage, links = _graph(ids, using)
        values = _compute(targets, claims, lineage, links)
        stored = _stored(using, values.keys())
        changed = {pk: v.row() for pk, v in values.items() if stored.get(pk) != v.row()}
        _write(using, changed)
    return len(changed)


def refresh_sources(source_ids, using=None):
    """Recompute the claims of `source_ids` and of every source that derives from them."""
    from .models import Claim, Source

    using = using or router.db_for_write(Claim)
    sources_m = Source._base_manager.db_manager(using)
    found, frontier = set(source_ids), set(source_ids)
    while frontier:
        frontier = (
            set(sources_m.filter(derived_from__in=list(frontier)).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    ids = Claim._base_manager.db_manager(using).filter(source__in=list(found))
    return refresh(list(ids.values_list("pk", flat=True)), using=using)


def recompute(using=None):
    """{claim id: row of FIELDS} for every claim, from the data alone."""
    from .models import Claim

    using = using or router.db_for_read(Claim)
    targets, claims, lineage, links = _whole_graph(using)
    return {pk: v.row() for pk, v in _compute(targets, claims, lineage, links).items()}


def rebuild(using=None):
    """Recompute every claim's values and store those that differ; returns how many."""
    from .models import Claim

    using = using or router.db_for_write(Claim)
    with transaction.atomic(using=using):
        _serialise(using)
        fresh = recompute(using)
        stored = _stored(using)
        changed = {pk: row for pk, row in fresh.items() if stored.get(pk) != row}
        _write(using, changed)
    return len(changed)


def verify(using=None):
    """[(claim id, field, stored, recomputed)] for every stored value that is wrong."""
    from .models import Claim

    using = using or router.db_for_read(Claim)
    fresh = recompute(using)
    stored = _stored(using)
    problems = []
    for pk, row in fresh.items():
        old = stored.get(pk)
        if old != row:
            for name, was, now in zip(FIELDS, old, row, strict=True):
                if was != now:
                    problems.append((pk, name, was, now))
    return problems


# Reading ----------------------------------------------------------------------------

DEFINITIONS = {
    "sources": (
        "Independent sources count the distinct origins of a statement's reports: the "
        "outlet a report says it got the words from (“told TASS”), else where its source's "
        "lineage starts (the news agency whose copy it carries, else the outlet of the "
        "original it republishes, rewrites or translates, else that original), so a copy "
        "is never a second source."
    ),
    "witnesses": (
        "Independent witnesses count the distinct people and publications vouching for "
        "the claims that corroborate any report of this statement, other than this "
        "claim's own witness: a quote's or a paraphrase's witness is its speaker, a "
        "source's own assertion's is its author (else where its lineage starts), so one "
        "speaker saying it twice, or a rewrite of an article, counts once."
    ),
    "answer_witnesses": (
        "Independent witnesses of an answer count the distinct people and publications "
        "vouching for the claims that support it: a quote's or a paraphrase's witness is "
        "its speaker, a source's own assertion's is its author (else where its lineage "
        "starts), so one speaker saying it twice, or a rewrite of an article, counts once."
    ),
}


@dataclass(frozen=True)
class Party:
    """A witness or an origin, as a page names it."""

    name: str
    url: str = ""

    def __str__(self):
        return self.name

    def __lt__(self, other):
        return (self.name.casefold(), self.url) < (other.name.casefold(), other.url)


class _Parties(dict):
    """Parties by key; a key whose record is gone reads as unknown, not as an error."""

    def __missing__(self, key):
        return Party("unknown (recompute with rebuild_evidence)")


def describe(keys):
    """{key: Party} for origin and witness keys: one query per kind of key."""
    from .models import Outlet, Source, Speaker

    wanted = defaultdict(set)
    for key in keys:
        if key:
            kind, _, value = key.partition(":")
            wanted[kind].add(value)
    parties = _Parties({"": Party("not computed")})
    if wanted["speaker"]:
        for speaker in Speaker.objects.filter(pk__in=wanted["speaker"]):
            parties[speaker_key(speaker.pk)] = Party(speaker.name, speaker.get_absolute_url())
    if wanted["outlet"]:
        for outlet in Outlet.objects.filter(pk__in=wanted["outlet"]):
            parties[outlet_key(outlet.pk)] = Party(outlet.name)
    if wanted["source"]:
        for source in Source.objects.filter(pk__in=wanted["source"]):
            voice = source.voice if source.authors or source.outlet_id else "unattributed"
            parties[source_key(source.pk)] = Party(
                f"“{source.title}” ({voice})", source.get_absolute_url()
            )
    for value in wanted["author"]:
        parties[f"author:{value}"] = Party(value.title())
    return parties
