"""Full-text search: a stored search document per claim.

On PostgreSQL the document is a tsvector (English configuration) with a GIN index,
matched with websearch syntax and ranked. SQLite has no tsvector: the same column
holds the lower-cased text, matched word by word. Both are generated columns, so
the database keeps them current without signals or save() overrides.

A search is parsed here, once, before any query runs (`parse`): words, "quoted
phrases", a leading - that excludes a word or phrase, and `or` between alternatives,
the syntax of PostgreSQL's websearch_to_tsquery. Anything else is a separator. The
parsed search is what both databases receive, so no input reaches PostgreSQL's
parser in a form it refuses (a run of 33 hyphens overflows its stack), and SQLite
honours the same exclusions and alternatives.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Concat, Lower

CONFIG = "english"

# More terms than this is not a search a person types; refused with the reason.
MAX_TERMS = 64

# A phrase in double quotes, `or` on its own, or a word (letters and digits, joined by
# inner hyphens or apostrophes); each may carry a leading - that excludes it.
_TOKEN = re.compile(
    r"""(?P<minus>-)?(?:"(?P<phrase>[^"]*)"?|(?P<word>\w+(?:['’-]\w+)*))""",
)


class SearchError(ValueError):
    """A search that cannot be run; the message says why, in words."""


@dataclass(frozen=True)
class Term:
    text: str
    excluded: bool = False
    phrase: bool = False

    def __str__(self):
        text = f'"{self.text}"' if self.phrase else self.text
        return f"-{text}" if self.excluded else text


@dataclass(frozen=True)
class Search:
    """Alternatives (joined by `or`), each a list of terms that must all hold."""

    alternatives: tuple

    def __str__(self):
        return " or ".join(" ".join(map(str, terms)) for terms in self.alternatives)

    def __bool__(self):
        return bool(self.alternatives)

    @property
    def has_phrase(self):
        """Whether it looks for a phrase: a search PostgreSQL's planner cannot size
        (it takes the phrase's words for independent, and their order for any)."""
        return any(term.phrase for terms in self.alternatives for term in terms)


def parse(value):
    """The Search that `value` asks for; SearchError if it cannot be run."""
    alternatives, terms, count = [], [], 0
    for match in _TOKEN.finditer(value):
        excluded = bool(match["minus"])
        if match["word"] is not None:
            text, phrase = match["word"], False
        else:
            text, phrase = " ".join(re.findall(r"\w+(?:['’-]\w+)*", match["phrase"])), True
        if not text:
            continue
        if not phrase and not excluded and text.lower() == "or":
            if terms:
                alternatives.append(tuple(terms))
                terms = []
            continue
        if phrase and " " not in text:
            phrase = False
        count += 1
        terms.append(Term(text, excluded, phrase))
    if terms:
        alternatives.append(tuple(terms))
    if count > MAX_TERMS:
        raise SearchError(f"The search has {count} words; it can have at most {MAX_TERMS}.")
    # An alternative of exclusions alone would match nearly everything: PostgreSQL
    # drops it too, so the two databases agree.
    alternatives = [terms for terms in alternatives if any(not t.excluded for t in terms)]
    return Search(tuple(alternatives))


class SearchDocumentField(SearchVectorField):
    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchDocument(Func):
    """The searchable text of the given columns, in the form the database can search."""

    output_field = SearchDocumentField()

    def as_sql(self, compiler, connection, **extra_context):
        parts = []
        for expression in self.source_expressions:
            parts.extend([expression, Value(" ")])
        return Lower(Concat(*parts[:-1])).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection, **extra_context):
        return SearchVector(*self.source_expressions, config=CONFIG).as_sql(compiler, connection)


def _all_of(connection, terms):
    """Claims whose search document holds every one of `terms` (and none it excludes)."""
    if not terms:
        return Q()
    if connection.vendor == "postgresql":
        query = " ".join(map(str, terms))
        return Q(search_document=SearchQuery(query, config=CONFIG, search_type="websearch"))
    condition = Q()
    for term in terms:
        contains = Q(search_document__contains=term.text.lower())
        condition &= ~contains if term.excluded else contains
    return condition


def matches(connection, search, speakers=None):
    """A filter for claims that match the parsed `search`: any of its alternatives.

    A claim matches an alternative when its text holds the alternative's words, or,
    given `speakers` (a function from words to a queryset of speaker ids), when its
    speaker's name or alias does; either way, the words it excludes must not be in
    the claim's text.
    """
    condition = Q(pk__in=[])
    for terms in search.alternatives:
        included = [term for term in terms if not term.excluded]
        excluded = [term for term in terms if term.excluded]
        alternative = _all_of(connection, terms)
        if speakers is not None:
            by_speaker = Q(speaker__in=speakers(" ".join(term.text for term in included)))
            for term in excluded:
                by_speaker &= ~_all_of(connection, [Term(term.text, False, term.phrase)])
            alternative |= by_speaker
        condition |= alternative
    return condition


def rank(connection, search):
    if connection.vendor == "postgresql":
        query = SearchQuery(str(search), config=CONFIG, search_type="websearch")
        return SearchRank(F("search_document"), query)
    return Value(0.0)
