import datetime

import pytest
from django.db import connection
from django.urls import reverse

from claims import counts, views
from claims.dates import DatePrecision
from claims.importers import load_corpus
from claims.models import Claim, Link, Source
from tests.factories import (
    ClaimFactory,
    LinkFactory,
    OutletFactory,
    SourceFactory,
    SpeakerAliasFactory,
    SpeakerFactory,
    SubjectFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def listed_ids(response):
    return [claim.pk for claim in response.context["claims"]]


@pytest.fixture
def corpus():
    """A small corpus where every filter has something to include and to exclude."""
    tass = OutletFactory(name="TASS", slug="tass")
    times = OutletFactory(name="The Moscow Times", slug="the-moscow-times")
    kabulov = SpeakerFactory(name="Zamir Kabulov", slug="zamir-kabulov")
    SpeakerAliasFactory(speaker=kabulov, name="Kabulov")
    lavrov = SpeakerFactory(name="Sergey Lavrov", slug="sergey-lavrov")
    envoys = TopicFactory(title="Which states accepted envoys?", slug="envoys")
    china = SubjectFactory(name="China", slug="china")
    october = SourceFactory(outlet=times)
    may = SourceFactory(
        outlet=None, published_on=datetime.date(2024, 5, 1), published_on_precision="month"
    )
    claims = {
        "decision": ClaimFactory(
            text="A principal decision on delisting has been made.",
            kind=Claim.Kind.QUOTE,
            speaker=kabulov,
            source=october,
            via=tass,
            stated_on=datetime.date(2024, 10, 4),
        ),
        "china": ClaimFactory(
            text="Beijing accepted a Taliban-appointed ambassador first.",
            kind=Claim.Kind.ASSERTION,
            speaker=lavrov,
            source=october,
            stated_on=datetime.date(2024, 10, 1),
            stated_on_precision=DatePrecision.MONTH,
        ),
        "sanctions": ClaimFactory(
            text="The West should lift its sanctions.",
            kind=Claim.Kind.PARAPHRASE,
            speaker=lavrov,
            source=may,
            stated_on=datetime.date(2024, 5, 24),
        ),
    }
    claims["china"].topics.add(envoys)
    claims["china"].subjects.add(china)
    LinkFactory(
        claim_a=claims["sanctions"],
        claim_b=claims["decision"],
        kind=Link.Kind.CONTRADICTS,
        note="One lifts, one keeps.",
    )
    LinkFactory(claim_a=claims["china"], claim_b=claims["decision"], kind=Link.Kind.CORROBORATES)
    return claims


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "principal decision"}, ["decision"]),
        ({"q": "Kabulov"}, ["decision"]),
        ({"speaker": "sergey-lavrov"}, ["china", "sanctions"]),
        ({"outlet": "the-moscow-times"}, ["decision", "china"]),
        ({"via": "tass"}, ["decision"]),
        ({"topic": "envoys"}, ["china"]),
        ({"subject": "china"}, ["china"]),
        ({"kind": "paraphrase"}, ["sanctions"]),
        ({"stated_after": "2024-06-01"}, ["decision", "china"]),
        ({"stated_before": "2024-06-01"}, ["sanctions"]),
        ({"has": "contradiction"}, ["decision", "sanctions"]),
        ({"has": "corroboration"}, ["decision", "china"]),
        ({"speaker": "sergey-lavrov", "has": "contradiction"}, ["sanctions"]),
        ({"speaker": "sergey-lavrov", "stated_after": "2024-06-01", "topic": "envoys"}, ["china"]),
        ({"sort": "oldest"}, ["sanctions", "china", "decision"]),
    ],
)
def test_claim_list_filters_alone_and_combined(client, corpus, query, expected):
    response = client.get(reverse("claims:claim_list"), query)
    assert response.status_code == 200
    ids = listed_ids(response)
    if "sort" in query:
        assert ids == [corpus[name].pk for name in expected]
    else:
        assert sorted(ids) == sorted(corpus[name].pk for name in expected)


def test_related_filters_accept_ids_as_well_as_slugs(client, corpus):
    speaker = corpus["decision"].speaker
    response = client.get(reverse("claims:claim_list"), {"speaker": speaker.pk})
    assert listed_ids(response) == [corpus["decision"].pk]


def test_has_no_links_lists_unlinked_claims(client, corpus):
    lonely = ClaimFactory()
    response = client.get(reverse("claims:claim_list"), {"has": "no_links"})
    assert listed_ids(response) == [lonely.pk]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"speaker": "99999"}, "speaker", "There is no speaker"),
        ({"stated_after": "2024-13-01"}, "stated_after", "Enter a valid date."),
        (
            {"stated_after": "2024-06-01", "stated_before": "2024-01-01"},
            "stated_before",
            "is earlier than",
        ),
        ({"sort": "loudest"}, "sort", "Select a valid choice."),
        ({"kind": "rumour"}, "kind", "Select a valid choice."),
        ({"has": "everything"}, "has", "Select a valid choice."),
        ({"q": "abc\x00def"}, "q", "Null characters are not allowed."),
        ({"q": "abc\x07def"}, "q", "control characters"),
        ({"speaker": "kab\x00ulov"}, "speaker", "control characters"),
        ({"topic": "\x00"}, "topic", "control characters"),
        ({"source": ["1", "2"]}, "source", "Give “source” once"),
        ({"stated_on": "2024-10-04"}, "__all__", "Unknown parameter “stated_on”."),
    ],
)
def test_bad_filter_is_a_400_with_the_error_beside_the_field(client, corpus, query, field, message):
    response = client.get(reverse("claims:claim_list"), query)
    assert response.status_code == 400
    assert message in " ".join(response.context["filters"].errors[field])
    body = response.content.decode()
    if field != "__all__":
        # The error is tied to its input for screen readers.
        assert f'aria-describedby="id_{field}_error"' in body
        assert f'id="id_{field}_error"' in body
    assert "claims" not in response.context  # never a silently wider result


@pytest.mark.parametrize("page", ["99", "zero", "-1"])
def test_page_out_of_range_is_a_400(client, corpus, page):
    response = client.get(reverse("claims:claim_list"), {"page": page})
    assert response.status_code == 400
    assert "page" in response.content.decode()


def test_the_selected_facet_value_is_marked_current_and_removes_itself(client, corpus):
    response = client.get(
        reverse("claims:claim_list"), {"speaker": "sergey-lavrov", "kind": "paraphrase"}
    )
    html = response.content.decode()
    assert html.count('aria-current="true"') == 2  # the speaker and the kind
    assert '<a href="?kind=paraphrase" aria-current="true"' in html
    assert '<a href="?speaker=sergey-lavrov" aria-current="true"' in html


def test_facet_counts_reflect_the_other_filters(client, corpus):
    response = client.get(reverse("claims:claim_list"), {"speaker": "sergey-lavrov"})
    facets = response.context["facets"]
    assert ("paraphrase", "paraphrase (reported speech)", 1) in facets["kind"]
    assert ("assertion", "the source's own assertion", 1) in facets["kind"]
    assert ("quote", "direct quote", 1) not in facets["kind"]
    # The speaker facet ignores the speaker filter itself, so the researcher can switch.
    assert {label for _, label, _ in facets["speaker"]} == {"Zamir Kabulov", "Sergey Lavrov"}


def test_export_link_carries_the_query_string(client, corpus):
    response = client.get(reverse("claims:claim_list"), {"topic": "envoys", "kind": "assertion"})
    html = response.content.decode()
    assert 'href="/claims/export.csv?topic=envoys&amp;kind=assertion"' in html
    assert 'href="/links/export.csv?topic=envoys&amp;kind=assertion"' in html


def test_export_links_leave_out_the_page_they_were_found_on(client):
    ClaimFactory.create_batch(55, kind=Claim.Kind.QUOTE)
    html = client.get(reverse("claims:claim_list"), {"kind": "quote", "page": 2}).content.decode()
    assert 'href="/claims/export.csv?kind=quote"' in html
    assert 'href="/links/export.csv?kind=quote"' in html


def test_claim_list_paginates(client):
    ClaimFactory.create_batch(55)
    first = client.get(reverse("claims:claim_list"))
    second = client.get(reverse("claims:claim_list"), {"page": 2})
    assert len(listed_ids(first)) == 50
    assert len(listed_ids(second)) == 5
    assert not set(listed_ids(first)) & set(listed_ids(second))


def test_speaker_list_paginates_in_name_order_with_claim_counts(client):
    speakers = [SpeakerFactory(name=f"Speaker {i:02}") for i in range(55)]
    ClaimFactory.create_batch(3, speaker=speakers[54])
    first = client.get(reverse("claims:speaker_list"))
    second = client.get(reverse("claims:speaker_list"), {"page": 2})
    assert [s.name for s in first.context["speakers"]] == [f"Speaker {i:02}" for i in range(50)]
    assert [s.name for s in second.context["speakers"]][-1] == "Speaker 54"
    assert second.context["speakers"][-1].claim_count == 3
    assert "55 speakers" in first.content.decode()
    assert 'href="?page=2" rel="next"' in first.content.decode()
    missing = client.get(reverse("claims:speaker_list"), {"page": 3})
    assert missing.status_code == 400
    assert "There is no page 3" in missing.content.decode()


@pytest.mark.parametrize(
    ("precision", "shown"),
    [
        (DatePrecision.DAY, "4 October 2024"),
        (DatePrecision.MONTH, "October 2024"),
        (DatePrecision.YEAR, "2024"),
        (DatePrecision.UNKNOWN, "date unknown"),
    ],
)
def test_claim_page_shows_the_date_at_its_precision(client, precision, shown):
    stated_on = None if precision == DatePrecision.UNKNOWN else datetime.date(2024, 10, 4)
    claim = ClaimFactory.build(
        source=SourceFactory(),
        speaker=SpeakerFactory(),
        stated_on=stated_on,
        stated_on_precision=precision,
    )
    claim.full_clean()
    claim.save()
    response = client.get(claim.get_absolute_url())
    body = response.content.decode()
    assert f"<dd>{shown}" in body


@pytest.mark.parametrize("kind", list(Link.Kind))
def test_claim_page_shows_links_of_every_kind_from_both_ends(client, kind):
    link = LinkFactory(kind=kind, note=f"Why: {kind.label}.")
    headings = {
        Link.Kind.CORROBORATES: "Corroborating claims",
        Link.Kind.CONTRADICTS: "Contradicting claims",
        Link.Kind.SAME_STATEMENT: "The same statement in other reports",
    }
    for here, there in ((link.claim_a, link.claim_b), (link.claim_b, link.claim_a)):
        body = client.get(here.get_absolute_url()).content.decode()
        assert headings[kind] in body
        assert there.get_absolute_url() in body
        assert f"Why: {kind.label}." in body


def test_independence_counts_shared_via_and_same_statement_as_one_origin(client):
    tass = OutletFactory(name="TASS")
    claim = ClaimFactory()
    via_tass = [ClaimFactory(via=tass), ClaimFactory(via=tass)]
    copied, copy = ClaimFactory(), ClaimFactory()
    LinkFactory(claim_a=copied, claim_b=copy, kind=Link.Kind.SAME_STATEMENT)
    independent = ClaimFactory()
    for other in [*via_tass, copied, copy, independent]:
        LinkFactory(claim_a=claim, claim_b=other, kind=Link.Kind.CORROBORATES)
    response = client.get(claim.get_absolute_url())
    assert response.context["claim"].corroborating_reports == 5
    assert response.context["claim"].independent_corroborations == 3
    assert "Corroborated by 5 reports from 3 independent origins." in response.content.decode()


def test_reports_from_the_claims_own_origin_do_not_count_as_independent(client):
    tass = OutletFactory(name="TASS")
    claim = ClaimFactory(via=tass)
    LinkFactory(claim_a=claim, claim_b=ClaimFactory(via=tass), kind=Link.Kind.CORROBORATES)
    response = client.get(claim.get_absolute_url())
    assert "Corroborated by 1 report from 0 independent origins." in response.content.decode()


def test_claim_page_shows_the_text_in_its_sources_context(client):
    source = SourceFactory(
        full_text="First sentence. The envoy said a decision was made. Last one here."
    )
    claim = ClaimFactory.build(source=source, speaker=SpeakerFactory(), text="a decision was made")
    claim.full_clean()
    claim.save()
    body = client.get(claim.get_absolute_url()).content.decode()
    assert 'The envoy said <mark class="current">a decision was made</mark>.' in body


def test_source_page_marks_every_claims_span_and_links_it(client):
    source = SourceFactory(full_text="Alpha says one thing. Beta says another thing.")
    claims = []
    for text in ("Alpha says one thing.", "another thing"):
        claim = ClaimFactory.build(source=source, speaker=SpeakerFactory(), text=text)
        claim.full_clean()
        claim.save()
        claims.append(claim)
    response = client.get(source.get_absolute_url(), {"claim": claims[1].pk})
    body = response.content.decode()
    for claim in claims:
        assert f'id="claim-{claim.pk}"' in body
        assert f'href="{claim.get_absolute_url()}"' in body
    assert f'class="span current" href="{claims[1].get_absolute_url()}"' in body


def test_speaker_page_lists_claims_in_date_order_with_aliases(client, corpus):
    lavrov = corpus["china"].speaker
    SpeakerAliasFactory(speaker=lavrov, name="Lavrov")
    response = client.get(lavrov.get_absolute_url())
    assert listed_ids(response) == [corpus["sanctions"].pk, corpus["china"].pk]
    body = response.content.decode()
    assert "Lavrov</bdi>" in body
    assert "/claims/?speaker=sergey-lavrov" in body


def test_topic_page_answers_the_envoy_question_from_the_seed(client):
    load_corpus()
    response = client.get(reverse("claims:topic_detail", args=["taliban-envoys"]))
    rows = {str(row["subject"]): row for row in response.context["rows"]}
    assert {"China", "United Arab Emirates", "Uzbekistan"} <= set(rows)
    china = rows["China"]
    # seed-002 copies seed-000's wording: three reports, two independent origins.
    assert (china["reports"], china["origins"]) == (3, 2)
    assert [cell["state"] for cell in rows["Uzbekistan"]["cells"]].count("silent") == 2
    assert "asserts" in [cell["state"] for cell in rows["Uzbekistan"]["cells"]]


def test_a_big_topic_is_answered_from_its_first_claims_and_says_so(client, monkeypatch):
    monkeypatch.setattr(views, "TOPIC_CLAIMS", 3)
    topic = TopicFactory(slug="big")
    for day in [5, 1, 4, 2, 3]:
        ClaimFactory(stated_on=datetime.date(2024, 10, day)).topics.add(topic)
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    shown = [claim.stated_on.day for row in response.context["rows"] for claim in row["claims"]]
    assert sorted(shown) == [1, 2, 3]
    body = response.content.decode()
    assert "This topic has 5 claims: the answer below is built from the first 3 by date" in body
    assert 'href="/claims/?topic=big&amp;sort=oldest">Open all 5 in the claim list' in body
    monkeypatch.setattr(views, "TOPIC_CLAIMS", 5)
    assert "This topic has" not in client.get(topic.get_absolute_url()).content.decode()


def test_topic_page_takes_sources_with_and_without_a_date(client, corpus):
    undated = ClaimFactory(
        source=SourceFactory(published_on=None, published_on_precision=DatePrecision.UNKNOWN)
    )
    topic = corpus["china"].topics.get()
    undated.topics.add(topic)
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    assert response.context["sources"][-1] == undated.source


def test_topic_grid_shows_which_source_contradicts(client, corpus):
    topic = corpus["china"].topics.get()
    subject = corpus["china"].subjects.get()
    rival = ClaimFactory(source=corpus["sanctions"].source)
    rival.topics.add(topic)
    rival.subjects.add(subject)
    LinkFactory(
        claim_a=corpus["china"], claim_b=rival, kind=Link.Kind.CONTRADICTS, note="Who was first?"
    )
    response = client.get(topic.get_absolute_url())
    row = response.context["rows"][0]
    assert [cell["state"] for cell in row["cells"]] == ["contradicts", "contradicts"]
    assert "Who was first?" in response.content.decode()
    assert len(row["contradicted_by"]) == 1  # both ends are in the group: one contradiction


def test_home_shows_counts_topics_contested_and_latest(client, corpus):
    response = client.get(reverse("claims:home"))
    assert response.context["claim_count"] == {"rows": 3, "estimated": False}
    assert "<strong>3</strong> <a" in response.content.decode()
    assert [c.pk for c in response.context["contested"]][:2] == sorted(
        [corpus["decision"].pk, corpus["sanctions"].pk], reverse=True
    )
    assert corpus["china"].topics.get().get_absolute_url() in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_home_estimates_the_counts_of_big_tables(client, corpus, monkeypatch):
    ClaimFactory.create_batch(1200)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    monkeypatch.setattr(counts, "EXACT_BELOW", 1000)
    response = client.get(reverse("claims:home"))
    assert response.context["claim_count"]["estimated"]
    assert abs(response.context["claim_count"]["rows"] - 1203) < 100
    assert response.context["source_count"] == {"rows": Source.objects.count(), "estimated": False}
    assert "about 1," in response.content.decode()


def test_unknown_records_are_404(client):
    for url in ("/claims/999/", "/speakers/nobody/", "/sources/999/", "/topics/nothing/"):
        assert client.get(url).status_code == 404


HOSTILE = '<script>alert("x")</script> \u202eevil\u202c & "quoted"'


def test_hostile_text_is_escaped_on_every_page(client):
    speaker = SpeakerFactory(name=HOSTILE, slug="hostile")
    topic = TopicFactory(title=HOSTILE, slug="hostile-topic")
    source = SourceFactory(title=HOSTILE, full_text=f"Before. {HOSTILE} After.")
    claim = ClaimFactory.build(source=source, speaker=speaker, text=HOSTILE, context=HOSTILE)
    claim.full_clean()
    claim.save()
    claim.topics.add(topic)
    LinkFactory(claim_a=claim, kind=Link.Kind.CONTRADICTS, note=HOSTILE)
    pages = [
        reverse("claims:home"),
        reverse("claims:claim_list"),
        reverse("claims:claim_list") + "?q=alert",
        claim.get_absolute_url(),
        reverse("claims:speaker_list"),
        speaker.get_absolute_url(),
        reverse("claims:source_list"),
        source.get_absolute_url(),
        topic.get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body, url


READ_PAGES = [
    "home",
    "claim_list",
    "claim_detail",
    "speaker_list",
    "speaker_detail",
    "source_list",
    "source_detail",
    "topic_detail",
]


def _url(name, claim):
    args = {
        "claim_detail": [claim.pk],
        "speaker_detail": [claim.speaker.slug],
        "source_detail": [claim.source.pk],
        "topic_detail": [claim.topics.first().slug],
    }.get(name, [])
    return reverse(f"claims:{name}", args=args)


def _fill(rows, hub):
    """Add `rows` claims on the hub's topic, each linked to the hub and to one more claim."""
    kinds = list(Link.Kind)
    for i in range(rows):
        claim = ClaimFactory(speaker=hub.speaker, source=hub.source, via=hub.source.outlet)
        claim.topics.add(*hub.topics.all())
        claim.subjects.add(*hub.subjects.all())
        LinkFactory(claim_a=hub, claim_b=claim, kind=kinds[i % 3], note="Because.")
        LinkFactory(
            claim_a=claim,
            claim_b=ClaimFactory(speaker=hub.speaker, source=hub.source),
            kind=Link.Kind.CONTRADICTS,
            note="No.",
        )


@pytest.mark.parametrize("name", READ_PAGES)
def test_pages_run_a_fixed_number_of_queries(client, name, django_assert_max_num_queries):
    hub = ClaimFactory(source=SourceFactory(full_text="x"))
    hub.topics.add(TopicFactory())
    hub.subjects.add(SubjectFactory())
    _fill(5, hub)
    url = _url(name, hub)
    with django_assert_max_num_queries(20) as five:
        assert client.get(url).status_code == 200
    _fill(45, hub)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_a_same_statement_group_takes_the_via_of_any_member(client):
    tass = OutletFactory(name="TASS")
    claim = ClaimFactory()
    reported, relayed = ClaimFactory(), ClaimFactory(via=tass)
    LinkFactory(claim_a=reported, claim_b=relayed, kind=Link.Kind.SAME_STATEMENT)
    also_tass = ClaimFactory(via=tass)
    for other in (reported, relayed, also_tass):
        LinkFactory(claim_a=claim, claim_b=other, kind=Link.Kind.CORROBORATES)
    response = client.get(claim.get_absolute_url())
    assert "Corroborated by 3 reports from 1 independent origin." in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/claims/", "/speakers/", "/sources/"])
def test_reading_can_require_a_login(client, settings, url):
    settings.READ_REQUIRES_LOGIN = True
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    client.force_login(UserFactory())
    assert client.get(url).status_code == 200


def test_facets_over_many_claims_count_a_sample_and_say_so(client, settings, monkeypatch):
    monkeypatch.setattr("claims.views.FACET_SAMPLE", 3)
    speaker = SpeakerFactory(name="Frequent", slug="frequent")
    ClaimFactory.create_batch(5, speaker=speaker)
    response = client.get(reverse("claims:claim_list"))
    assert response.context["facets"]["speaker"] == [("frequent", "Frequent", 3)]
    assert "Counts among the first 3 claims that match the other filters" in (
        response.content.decode()
    )
    assert response.context["page"].paginator.count == 5


def test_a_sampled_facet_counts_the_first_claims_in_the_lists_own_order(client, monkeypatch):
    monkeypatch.setattr("claims.views.FACET_SAMPLE", 3)
    old, new = SpeakerFactory(name="Old", slug="old"), SpeakerFactory(name="New", slug="new")
    for day in (1, 2, 3):
        ClaimFactory(speaker=old, stated_on=datetime.date(2020, 1, day))
        ClaimFactory(speaker=new, stated_on=datetime.date(2024, 1, day))
    newest = client.get(reverse("claims:claim_list"))
    assert newest.context["facets"]["speaker"] == [("new", "New", 3)]
    oldest = client.get(reverse("claims:claim_list"), {"sort": "oldest"})
    assert oldest.context["facets"]["speaker"] == [("old", "Old", 3)]
    assert oldest.context["sampled"] >= {"speaker"}


def test_a_slug_made_of_digits_is_a_slug_and_an_id_is_still_an_id(client):
    orwell = SpeakerFactory(name="Nineteen Eighty-Four", slug="1984")
    other = SpeakerFactory(name="Someone else")
    ClaimFactory(speaker=orwell, text="War is peace.")
    ClaimFactory(speaker=other, text="Something else.")
    by_slug = client.get(reverse("claims:claim_list"), {"speaker": "1984"})
    assert [c.text for c in by_slug.context["claims"]] == ["War is peace."]
    by_id = client.get(reverse("claims:claim_list"), {"speaker": str(other.pk)})
    assert [c.text for c in by_id.context["claims"]] == ["Something else."]
    assert client.get(reverse("claims:claim_list"), {"speaker": "99999"}).status_code == 400


def test_a_facet_is_sampled_when_its_own_list_is_long_not_the_page(client, monkeypatch):
    monkeypatch.setattr("claims.views.FACET_SAMPLE", 3)
    frequent = SpeakerFactory(name="Frequent", slug="frequent")
    ClaimFactory.create_batch(4, speaker=frequent, kind=Claim.Kind.QUOTE)
    rare = SpeakerFactory(name="Rare", slug="rare")
    ClaimFactory(speaker=rare, kind=Claim.Kind.QUOTE)
    response = client.get(reverse("claims:claim_list"), {"speaker": "rare"})
    assert response.context["page"].paginator.count == 1
    # The speaker facet drops the speaker filter: five claims, so three are counted.
    assert response.context["sampled"] == {"speaker"}
    assert sum(count for *_, count in response.context["facets"]["speaker"]) == 3
    # The kind facet counts the rare speaker's one claim, exactly.
    assert response.context["facets"]["kind"] == [("quote", "direct quote", 1)]
    monkeypatch.setattr("claims.views.FACET_SAMPLE", 5)
    response = client.get(reverse("claims:claim_list"), {"speaker": "rare"})
    assert response.context["sampled"] == {"speaker"}  # five is not known to be all
    monkeypatch.setattr("claims.views.FACET_SAMPLE", 6)
    response = client.get(reverse("claims:claim_list"), {"speaker": "rare"})
    assert response.context["sampled"] == set()
    assert ("frequent", "Frequent", 4) in response.context["facets"]["speaker"]
