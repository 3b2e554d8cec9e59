"""Hypothesis strategies for requests to every public URL: the fuzz suite's input.

Used by tests/test_fuzz.py (a CI-sized run) and bench/fuzz.py (10,000 cases and more).
A case is a path and its query parameters: the names the pages understand and some
they do not, each with values a person, a script or an attacker might send.
"""

from urllib.parse import urlencode

from hypothesis import strategies as st

FILTERS = [
    "q", "speaker", "outlet", "source", "via", "topic", "subject", "kind",
    "stated_after", "stated_before", "has", "sort", "page", "bom", "claim",
]  # fmt: skip

# Values that have broken parsers somewhere: operators of search syntax, runs of
# hyphens (PostgreSQL's tsquery stack), SQL and HTML metacharacters, formula
# starts, dates that are almost dates, numbers at and past every integer size.
NASTY = [
    "-" * 40, "- " * 40, "-(" * 40, "!" * 50, '"' * 33, "or " * 50, "&|!<->:*",
    "' OR 1=1 --", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
    "=HYPERLINK(\"http://x\")", "\x00", "\ud7ff\ue000", "\u202e", "%00", "%",
    "2024-02-30", "2024-13-01", "0000-01-01", "9999-12-31", "99999-01-01", "2024-W05",
    "-1", "0", "1e9", "2147483648", "9223372036854775808", "1" * 40, "NaN", "Infinity",
    "quote", "assertion", "corroboration", "newest", "relevance", "1", "2",
]  # fmt: skip

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=2000),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
    st.lists(st.sampled_from(NASTY), min_size=2, max_size=8).map(" ".join),
)

names = st.one_of(st.sampled_from(FILTERS), st.text(min_size=1, max_size=20))

# Search text from the characters of its syntax: the likeliest to upset a parser.
searches = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet='-"()!&|:*<> orORwa', max_size=300),
    st.text(max_size=300),
)

parameters = st.tuples(
    st.one_of(st.none(), searches.map(lambda q: ("q", q))),
    st.lists(st.tuples(names, values), max_size=6),
).map(lambda case: ([case[0]] if case[0] else []) + case[1])


def paths(claim_ids, speaker_slugs, source_ids, topic_slugs):
    """Every public page, with existing, missing and malformed identifiers."""
    ids = st.one_of(st.sampled_from(claim_ids or [1]), st.integers(0, 2**70))
    slug = st.from_regex(r"[-a-zA-Z0-9_]{1,60}", fullmatch=True)
    return st.one_of(
        st.just("/"),
        st.just("/claims/"),
        st.just("/claims/export.csv"),
        st.just("/links/export.csv"),
        st.just("/speakers/"),
        st.just("/sources/"),
        ids.map(lambda pk: f"/claims/{pk}/"),
        st.one_of(st.sampled_from(speaker_slugs or ["x"]), slug).map(lambda s: f"/speakers/{s}/"),
        st.one_of(st.sampled_from(source_ids or [1]), st.integers(0, 2**70)).map(
            lambda pk: f"/sources/{pk}/"
        ),
        st.one_of(st.sampled_from(topic_slugs or ["x"]), slug).map(lambda s: f"/topics/{s}/"),
    )


def requests(claim_ids, speaker_slugs, source_ids, topic_slugs):
    """(path with its query string) cases."""
    return st.tuples(paths(claim_ids, speaker_slugs, source_ids, topic_slugs), parameters).map(
        lambda case: f"{case[0]}?{urlencode(case[1])}" if case[1] else case[0]
    )


def identifiers():
    """The ids and slugs of the database's records, for `requests`."""
    from claims.models import Claim, Source, Speaker, Topic

    return (
        list(Claim.objects.order_by("pk").values_list("pk", flat=True)[:200]),
        list(Speaker.objects.order_by("pk").values_list("slug", flat=True)[:200]),
        list(Source.objects.order_by("pk").values_list("pk", flat=True)[:200]),
        list(Topic.objects.order_by("pk").values_list("slug", flat=True)[:200]),
    )


def problems(response, url):
    """What is wrong with the response to `url`: a 5xx, or markup that was not escaped."""
    found = []
    if response.status_code >= 500:
        found.append(f"{response.status_code} for {url}")
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        body = response.content.decode("utf-8", "replace")
        for marker in ("<script>alert(1)", "<img src=x onerror"):
            if marker in body:
                found.append(f"unescaped {marker!r} in {url}")
    return found
