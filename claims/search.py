"""Full-text search: a stored search document per claim.

On PostgreSQL the document is a tsvector (English configuration) with a GIN index,
matched with websearch syntax and ranked. SQLite has no tsvector: the same column
holds the lower-cased text, matched word by word. Both are generated columns, so
the database keeps them current without signals or save() overrides.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Concat, Lower

CONFIG = "english"


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


def matches(connection, value):
    """A filter for claims whose search document matches `value`."""
    if connection.vendor == "postgresql":
        return Q(search_document=SearchQuery(value, config=CONFIG, search_type="websearch"))
    words = [word.strip("\"'").lower() for word in value.split()]
    condition = Q()
    for word in filter(None, words):
        condition &= Q(search_document__contains=word)
    return condition


def rank(connection, value):
    if connection.vendor == "postgresql":
        query = SearchQuery(value, config=CONFIG, search_type="websearch")
        return SearchRank(F("search_document"), query)
    return Value(0.0)
