import datetime
import re

import pytest
from django.urls import reverse

from claims import dates, views
from claims.dates import DatePrecision
from claims.importers import load_corpus
from claims.management.commands.generate_claims import generate
from claims.models import Claim, Link, Source, Speaker, Stance
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


def supports(claim, topic, stance=Stance.Kind.SUPPORTS):
    Stance.objects.create(claim=claim, topic=topic, stance=stance)
    return claim


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
        ({"speaker": "sergey-lavrov"}, ["sanctions"]),
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
        ({"outlet": "the-moscow-times", "stated_before": "2024-10-02"}, ["china"]),
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


def test_a_missing_page_links_back_to_the_first_and_last_pages_of_its_filters(client, corpus):
    response = client.get(reverse("claims:claim_list"), {"speaker": "sergey-lavrov", "page": "99"})
    body = response.content.decode()
    assert response.status_code == 400
    assert '<a href="?speaker=sergey-lavrov">Go to the first page</a>' in body
    ClaimFactory.create_batch(101 - Claim.objects.count())
    whole = client.get(reverse("claims:claim_list"), {"page": "99"}).content.decode()
    assert '<a href="?page=3">the last, page 3</a>' in whole


def test_the_sort_box_names_the_order_the_list_has_when_none_is_chosen(client, corpus):
    body = client.get(reverse("claims:claim_list")).content.decode()
    assert '<option value="" selected>relevance, or newest</option>' in body
    assert "---------" not in body


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
    # The source's own assertion has no speaker: it is nobody's claim but the source's.
    assert facets["kind"] == [("paraphrase", "paraphrase (reported speech)", 1)]
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
    # The way back: the first page, and the last.
    assert '<a href="?">Go to the first page</a>' in missing.content.decode()
    assert '<a href="?page=2">the last, page 2</a>' in missing.content.decode()


@pytest.mark.parametrize(
    ("precision", "shown"),
    [
        (DatePrecision.DAY, "4 October 2024"),
        (DatePrecision.MONTH, "October 2024"),
        (DatePrecision.YEAR, "2024"),
        (
            DatePrecision.UNKNOWN,
            "not stated; on or before October 2024, when the source was published",
        ),
    ],
)
def test_claim_page_shows_the_date_at_its_precision(client, precision, shown):
    stated_on = dates.truncate(datetime.date(2024, 10, 4), precision)
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


def test_claim_page_counts_each_origin_of_its_statement_once(client):
    times, tass = OutletFactory(name="The Moscow Times"), OutletFactory(name="TASS")
    claim = ClaimFactory(source=SourceFactory(outlet=times))
    relayed = [ClaimFactory(via=tass), ClaimFactory(via=tass)]
    rewrite = ClaimFactory(
        source=SourceFactory(derived_from=claim.source, derivation=Source.Derivation.REWRITES)
    )
    for other in [*relayed, rewrite]:
        LinkFactory(claim_a=claim, claim_b=other, kind=Link.Kind.SAME_STATEMENT)
    # Two relays of TASS are one source; a rewrite of the Moscow Times report is not a new one.
    for report in (claim, rewrite):
        body = client.get(report.get_absolute_url()).content.decode()
        assert (
            '<dd id="reported-by"><strong>2 independent sources</strong> among 4 reports of this '
            "statement: <bdi>TASS</bdi>; <bdi>The Moscow Times</bdi>."
        ) in body


def test_a_report_told_by_one_source_is_reported_by_one(client):
    body = client.get(ClaimFactory().get_absolute_url()).content.decode()
    assert '<dd id="reported-by"><strong>1 independent source</strong>: <bdi>Outlet' in body
    assert "<strong>0 independent witnesses</strong> (no corroborating claim yet)." in body


def test_claim_page_counts_each_witness_of_its_corroboration_once(client):
    lavrov = SpeakerFactory(name="Sergey Lavrov")
    claim, report = ClaimFactory(), ClaimFactory()  # two reports of one statement
    LinkFactory(claim_a=claim, claim_b=report, kind=Link.Kind.SAME_STATEMENT)
    opinion = SourceFactory(authors="Ruchi Kumar")
    rewrite = SourceFactory(
        authors="Someone Else", derived_from=opinion, derivation=Source.Derivation.REWRITES
    )
    by_claims_speaker = ClaimFactory(speaker=claim.speaker)
    for other in [
        ClaimFactory(speaker=lavrov),
        ClaimFactory(speaker=lavrov),
        by_claims_speaker,
        ClaimFactory(kind=Claim.Kind.ASSERTION, source=opinion),
    ]:
        LinkFactory(claim_a=claim, claim_b=other)
    # Corroborating the other report corroborates this claim; a rewrite is its original's.
    through = ClaimFactory(kind=Claim.Kind.ASSERTION, source=rewrite)
    LinkFactory(claim_a=report, claim_b=through)
    body = client.get(claim.get_absolute_url()).content.decode()
    assert (
        "<strong>2 independent witnesses</strong> among 5 corroborating claims: "
        f'<bdi>Ruchi Kumar</bdi>; <a href="{lavrov.get_absolute_url()}"><bdi>Sergey Lavrov</bdi>'
        "</a>."
    ) in body
    assert (
        f'This claim’s own witness: <a href="{claim.speaker.get_absolute_url()}">'
        f"<bdi>{claim.speaker.name}</bdi></a>."
    ) in body
    assert (
        f'Linked to <a href="{report.get_absolute_url()}">#{report.pk}</a>, another report of '
        "this statement."
    ) in body
    # The other report has another witness: the claim's speaker counts for it.
    other_body = client.get(report.get_absolute_url()).content.decode()
    assert "<strong>3 independent witnesses</strong> among 5 corroborating claims" in other_body
    listed = client.get(reverse("claims:claim_list")).content.decode()
    assert "corroborated by 2 independent witnesses</span>" in listed


def asserted_by(body):
    """What the claim page's "Asserted by" entry names, its wording around it aside."""
    found = re.search(r'<dt>Asserted by</dt>\s*<dd id="asserted-by">[^<]*<bdi>([^<]*)</bdi>', body)
    return found and found.group(1)


def test_an_assertion_is_the_sources_own_in_the_list_the_page_and_the_citation(client):
    source = SourceFactory(
        title="Opinion", authors="Ruchi Kumar", outlet=OutletFactory(name="The Moscow Times")
    )
    claim = ClaimFactory(kind=Claim.Kind.ASSERTION, source=source, text="Beijing was first.")
    assert claim.speaker is None
    listed = client.get(reverse("claims:claim_list")).content.decode()
    assert "the source’s own assertion, by <bdi>Ruchi Kumar (The Moscow Times)</bdi>" in listed
    body = client.get(claim.get_absolute_url()).content.decode()
    assert "<dt>Speaker</dt>" not in body
    assert asserted_by(body) == "Ruchi Kumar (The Moscow Times)"
    assert (
        '<textarea id="citation" readonly>Ruchi Kumar (The Moscow Times), 4 October 2024'
    ) in body
    anonymous = ClaimFactory(kind=Claim.Kind.ASSERTION, source=SourceFactory(outlet=None))
    body = client.get(anonymous.get_absolute_url()).content.decode()
    assert asserted_by(body) == "an unattributed source (author and publisher not stated)"
    assert '<textarea id="citation" readonly>An unattributed source (author and publisher' in body
    quote = client.get(ClaimFactory(kind=Claim.Kind.QUOTE).get_absolute_url()).content.decode()
    assert "<dt>Speaker</dt>" in quote and asserted_by(quote) is None


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
    lavrov = corpus["sanctions"].speaker
    SpeakerAliasFactory(speaker=lavrov, name="Lavrov")
    undated = ClaimFactory(speaker=lavrov, stated_on=None, stated_on_precision="unknown")
    later = ClaimFactory(speaker=lavrov, stated_on=datetime.date(2024, 10, 2))
    response = client.get(lavrov.get_absolute_url())
    # The source's own assertion in his source is not his: the speaker page leaves it out.
    assert listed_ids(response) == [corpus["sanctions"].pk, later.pk, undated.pk]
    body = response.content.decode()
    assert "Lavrov</bdi>" in body
    assert "/claims/?speaker=sergey-lavrov" in body


def test_topic_page_answers_the_envoy_question_from_the_seed(client):
    load_corpus()
    response = client.get(reverse("claims:topic_detail", args=["taliban-envoys"]))
    findings = {str(finding["subject"]): finding for finding in response.context["findings"]}
    assert {
        name: (len(finding["witnesses"]), finding["disputing"])
        for name, finding in findings.items()
    } == {"China": (2, []), "United Arab Emirates": (2, []), "Uzbekistan": (1, [])}
    # seed-002 rewrites seed-000: three reports of China, from two independent sources.
    china = findings["China"]
    assert (len(china["supporting"]), len(china["sources"])) == (3, 2)
    html = response.content.decode()
    assert "<strong><bdi>China</bdi>: yes.</strong>" in html
    assert "<strong><bdi>United Arab Emirates</bdi>: yes.</strong>" in html
    assert (
        "<strong><bdi>Uzbekistan</bdi>: reported by a single witness, not independently "
        "corroborated.</strong>"
    ) in html
    assert re.findall(r'<span class="witness-count">([^<]*)</span>', html) == [
        "2 independent witnesses",
        "2 independent witnesses",
        "1 independent witness",
    ]
    assert html.count("nothing disputes it.") == 3
    uzbekistan = next(
        row for row in response.context["grid"] if row["finding"] is findings["Uzbekistan"]
    )
    assert [len(cell) for cell in uzbekistan["cells"]].count(0) == 2  # two sources say nothing


@pytest.fixture
def question():
    """A question with four answers: corroborated, from one witness, disputed, unreported."""
    topic = TopicFactory(title="Which states accepted envoys?", slug="accepted-envoys")
    china, oman, qatar, uae = (
        SubjectFactory(name=name, slug=name.lower().replace(" ", "-"))
        for name in ("China", "Oman", "Qatar", "United Arab Emirates")
    )
    topic.answer_subjects.set([uae, qatar, oman, china])
    kabulov, lavrov = SpeakerFactory(name="Zamir Kabulov"), SpeakerFactory(name="Sergey Lavrov")
    early = SourceFactory(title="Early report", published_on=datetime.date(2024, 9, 1))
    late = SourceFactory(title="Late report", published_on=datetime.date(2024, 10, 1))
    september = datetime.date(2024, 9, 4)

    def claim(text, speaker, source, *subjects, stance=Stance.Kind.SUPPORTS):
        made = ClaimFactory(text=text, speaker=speaker, source=source, stated_on=september)
        made.subjects.set(subjects)
        return supports(made, topic, stance)

    return {
        "topic": topic,
        "both": claim("China and the UAE accepted envoys.", kabulov, early, china, uae),
        "china": claim("Beijing accepted an envoy.", lavrov, late, china),
        "uae": claim("The Emirates accepted one too.", kabulov, late, uae),
        "qatar": claim("Doha accepted an envoy.", lavrov, late, qatar),
        "no_qatar": claim(
            "Qatar has accepted no envoy.",
            SpeakerFactory(name="Qatari official"),
            early,
            qatar,
            stance=Stance.Kind.DISPUTES,
        ),
    }


def test_topic_page_answers_each_subject_from_its_witnesses_and_disputes(client, question):
    html = client.get(question["topic"].get_absolute_url()).content.decode()
    assert "<strong><bdi>China</bdi>: yes.</strong>" in html
    assert "<strong><bdi>Oman</bdi>: not reported.</strong>" in html
    assert "<strong><bdi>Qatar</bdi>: disputed.</strong>" in html
    # Two reports by one speaker are one witness.
    assert (
        "<strong><bdi>United Arab Emirates</bdi>: reported by a single witness, not "
        "independently corroborated.</strong>"
    ) in html
    assert re.findall(r'<span class="witness-count">([^<]*)</span>', html) == [
        "2 independent witnesses",
        "1 independent witness",
        "1 independent witness",
    ]
    assert html.count("nothing disputes it.") == 3  # China, Oman and the UAE
    assert "disputed by 1 claim (below)." in html
    disputing = question["no_qatar"]
    assert f'<a href="{disputing.get_absolute_url()}">#{disputing.pk}</a>' in html
    assert "Disputes this answer." in html


def test_a_contradiction_of_a_supporting_report_disputes_the_answer(client, question):
    rival = ClaimFactory(text="Beijing accepted no one.")
    LinkFactory(claim_a=rival, claim_b=question["china"], kind=Link.Kind.CONTRADICTS, note="Who?")
    response = client.get(question["topic"].get_absolute_url())
    china = response.context["findings"][0]
    assert (str(china["subject"]), china["verdict"]) == ("China", "disputed")
    assert [other for _, other in china["disputing"]] == [rival]
    html = response.content.decode()
    assert "<strong><bdi>China</bdi>: disputed.</strong>" in html
    assert 'Contradicts a report above: <span class="user-text">Who?</span>' in html


def test_topic_grid_shows_who_says_what_source_by_source(client, question):
    response = client.get(question["topic"].get_absolute_url())
    html = response.content.decode()
    assert "Who says what, source by source" in html
    assert [source.title for source in response.context["sources"]] == [
        "Early report",
        "Late report",
    ]
    words = {
        str(row["finding"]["subject"]): [[claim.text for claim, _ in cell] for cell in row["cells"]]
        for row in response.context["grid"]
    }
    assert words == {
        "China": [["China and the UAE accepted envoys."], ["Beijing accepted an envoy."]],
        "Oman": [[], []],
        "Qatar": [["Qatar has accepted no envoy."], ["Doha accepted an envoy."]],
        "United Arab Emirates": [
            ["China and the UAE accepted envoys."],
            ["The Emirates accepted one too."],
        ],
    }
    assert (
        f'<a href="{question["no_qatar"].get_absolute_url()}" class="user-text">'
        '“Qatar has accepted no envoy.”</a> <span class="meta">(disputes)</span>'
    ) in html
    assert html.count('<span class="muted">says nothing</span>') == 2  # Oman, in both


def test_topic_page_takes_sources_with_and_without_a_date(client, question):
    undated = ClaimFactory(
        source=SourceFactory(published_on=None, published_on_precision=DatePrecision.UNKNOWN),
        stated_on=None,
        stated_on_precision=DatePrecision.UNKNOWN,
    )
    undated.subjects.add(question["topic"].answer_subjects.get(name="Oman"))
    supports(undated, question["topic"])
    response = client.get(question["topic"].get_absolute_url())
    assert response.status_code == 200
    assert response.context["sources"][-1] == undated.source
    assert "<strong><bdi>Oman</bdi>: reported by a single witness" in response.content.decode()


def test_a_topic_without_answer_subjects_lists_its_claims(client, corpus):
    topic = corpus["china"].topics.get()
    response = client.get(topic.get_absolute_url())
    assert listed_ids(response) == [corpus["china"].pk]
    html = response.content.decode()
    assert "This question names no answer subjects" in html
    assert "The answer" not in html
    assert "1 claim filed under this question." in html


def test_a_big_topic_is_answered_from_its_first_claims_and_says_so(client, monkeypatch):
    monkeypatch.setattr(views, "TOPIC_CLAIMS", 3)
    topic = TopicFactory(slug="big")
    answer = SubjectFactory(name="China")
    topic.answer_subjects.add(answer)
    for day in [5, 1, 4, 2, 3]:
        claim = ClaimFactory(stated_on=datetime.date(2024, 10, day))
        claim.subjects.add(answer)
        supports(claim, topic)
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    shown = [claim.stated_on.day for claim in response.context["findings"][0]["supporting"]]
    assert sorted(shown) == [1, 2, 3]
    body = response.content.decode()
    notice = "The answer is built from the first 3 claims that take a stance, by date."
    assert notice in body
    assert "5 claims filed under this question." in body
    assert 'href="/claims/?topic=big&amp;sort=oldest">Open them all in the claim list' in body
    # When every claim fits, nothing was left out and the page does not say otherwise.
    for limit in (6, 5):
        monkeypatch.setattr(views, "TOPIC_CLAIMS", limit)
        assert "The answer is built from the first" not in (
            client.get(topic.get_absolute_url()).content.decode()
        ), limit


def test_home_shows_counts_topics_contested_and_latest(client, corpus):
    response = client.get(reverse("claims:home"))
    assert response.context["claim_count"] == 3
    assert "<strong>3</strong> <a" in response.content.decode()
    assert [c.pk for c in response.context["contested"]][:2] == sorted(
        [corpus["decision"].pk, corpus["sanctions"].pk], reverse=True
    )
    assert corpus["china"].topics.get().get_absolute_url() in response.content.decode()


def test_home_counts_are_exact_at_any_size_from_the_tallies(
    client, corpus, django_assert_max_num_queries
):
    generate(claims=1_200, links=300, seed=5)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("claims:home"))
    page = response.content.decode()
    assert f"<strong>{Claim.objects.count():,}</strong> <a" in page
    assert f"<strong>{Link.objects.count():,}</strong> links" in page
    assert response.context["source_count"] == Source.objects.count()
    assert response.context["speaker_count"] == Speaker.objects.count()
    for topic in response.context["topics"]:
        assert topic.claim_count == topic.claims.count() > 0
        assert f"{topic.claim_count:,} claims" in page
    assert "about" not in page
    # The most contested: no claim left out is contradicted by more reports.
    shown = [claim.contradicting_reports for claim in response.context["contested"]]
    rest = Claim.objects.exclude(pk__in=[claim.pk for claim in response.context["contested"]])
    assert len(shown) == 5 and shown == sorted(shown, reverse=True)
    assert min(shown) >= max(rest.values_list("contradicting_reports", flat=True))


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
    subject = SubjectFactory(name=HOSTILE, slug="hostile-subject")
    topic.answer_subjects.add(subject)
    claim.subjects.add(subject)
    supports(claim, topic)
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
        claim.subjects.add(*hub.subjects.all())
        supports(claim, hub.topics.get())
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
    topic, subject = TopicFactory(), SubjectFactory()
    topic.answer_subjects.add(subject)  # the topic page answers, and draws its grid
    hub.subjects.add(subject)
    supports(hub, topic)
    _fill(5, hub)
    url = _url(name, hub)
    with django_assert_max_num_queries(20) as five:
        assert client.get(url).status_code == 200
    _fill(45, hub)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/", "/claims/", "/speakers/", "/sources/"])
def test_reading_can_require_a_login(client, settings, url):
    settings.READ_REQUIRES_LOGIN = True
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    client.force_login(UserFactory())
    assert client.get(url).status_code == 200


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


def test_a_search_with_no_results_says_so_and_offers_to_remove_the_last_filter(client):
    ClaimFactory(text="Sanctions were discussed.", kind=Claim.Kind.QUOTE)
    response = client.get(reverse("claims:claim_list"), {"kind": "quote", "q": "zebrafish"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "No claims match" in body
    assert "Fix the filters" not in body  # nothing is wrong with them
    assert ">0 claims<" in body
    removal = re.search(r'<a href="([^"]*)">Remove the last one \(Search: <bdi>zebrafish', body)
    assert removal is not None
    # Each filter in use is named as its box is labelled, not by its parameter.
    assert 'title="Remove this filter">Kind: <bdi>quote</bdi> ✕</a>' in body
    # Following it drops the search, keeps the other filter, and finds the claim.
    again = client.get(reverse("claims:claim_list") + removal.group(1).replace("&amp;", "&"))
    assert listed_ids(again) == [Claim.objects.get().pk]
