import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.dates import DatePrecision
from claims.models import Claim, Link
from tests.factories import (
    ClaimFactory,
    LinkFactory,
    OutletFactory,
    SourceFactory,
    SpeakerFactory,
)

pytestmark = pytest.mark.django_db


def messages(error):
    return " ".join(error.messages)


def test_self_link_is_rejected_by_validation_and_database():
    claim = ClaimFactory()
    link = Link(claim_a=claim, claim_b=claim, kind=Link.Kind.CORROBORATES)
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert "cannot be linked to itself" in messages(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        link.save()


@pytest.mark.parametrize("reverse", [False, True], ids=["same order", "reverse order"])
def test_second_link_between_the_same_pair_is_rejected(reverse):
    first, second = ClaimFactory(), ClaimFactory()
    LinkFactory(claim_a=first, claim_b=second)
    a, b = (second, first) if reverse else (first, second)
    duplicate = Link(claim_a=a, claim_b=b, kind=Link.Kind.SAME_STATEMENT)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "already linked" in messages(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_contradicts_link_without_note_is_rejected():
    link = Link(claim_a=ClaimFactory(), claim_b=ClaimFactory(), kind=Link.Kind.CONTRADICTS)
    link.note = "   "
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert "Say what the contradiction is." in messages(error.value)
    link.note = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        link.save()


def test_contradicts_link_with_note_is_accepted():
    link = Link(
        claim_a=ClaimFactory(),
        claim_b=ClaimFactory(),
        kind=Link.Kind.CONTRADICTS,
        note="One says bases in Pakistan, the other denies it.",
    )
    link.full_clean()
    link.save()
    assert Link.objects.involving(link.claim_b).get() == link


def test_link_kind_outside_the_fixed_set_is_rejected():
    link = LinkFactory.build(claim_a=ClaimFactory(), claim_b=ClaimFactory(), kind="agrees")
    with pytest.raises(ValidationError):
        link.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        link.save()


def test_claim_dated_after_its_source_is_rejected():
    source = SourceFactory(
        published_on=datetime.date(2024, 5, 1), published_on_precision=DatePrecision.MONTH
    )
    claim = ClaimFactory.build(
        source=source,
        speaker=SpeakerFactory(),
        stated_on=datetime.date(2024, 6, 3),
        stated_on_precision=DatePrecision.DAY,
    )
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert error.value.message_dict["stated_on"] == [
        "The statement is dated 3 June 2024, after its source was published (May 2024)."
    ]


def test_claim_dated_within_its_sources_month_is_accepted():
    source = SourceFactory(
        published_on=datetime.date(2024, 5, 1), published_on_precision=DatePrecision.MONTH
    )
    claim = ClaimFactory.build(
        source=source, speaker=SpeakerFactory(), stated_on=datetime.date(2024, 5, 24)
    )
    claim.full_clean()


def test_claim_needs_a_source():
    claim = Claim(text="Something was said.", kind=Claim.Kind.ASSERTION)
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert set(error.value.message_dict) == {"source"}


SPEAKER_MATCHES_KIND = (
    "A quote or a paraphrase needs its speaker; the source's own assertion has none "
    "(the source asserts it)."
)


@pytest.mark.parametrize(
    ("kind", "with_speaker"),
    [(Claim.Kind.QUOTE, False), (Claim.Kind.PARAPHRASE, False), (Claim.Kind.ASSERTION, True)],
    ids=["quote without speaker", "paraphrase without speaker", "assertion with speaker"],
)
def test_speaker_must_match_the_kind_of_claim(kind, with_speaker):
    claim = ClaimFactory.build(
        kind=kind, source=SourceFactory(), speaker=SpeakerFactory() if with_speaker else None
    )
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert messages(error.value) == SPEAKER_MATCHES_KIND
    with pytest.raises(IntegrityError), transaction.atomic():
        claim.save()
    assert not Claim.objects.exists()


def test_a_sources_own_assertion_is_asserted_by_the_source():
    source = SourceFactory(authors="Ruchi Kumar", outlet__name="The Moscow Times")
    claim = ClaimFactory.build(kind=Claim.Kind.ASSERTION, source=source)
    claim.full_clean()
    claim.save()
    assert claim.speaker is None
    assert claim.asserted_by == "Ruchi Kumar (The Moscow Times)"
    quote = ClaimFactory(kind=Claim.Kind.QUOTE, source=source)
    assert quote.asserted_by == quote.speaker.name


def test_partial_date_is_entered_as_the_start_of_its_period():
    claim = ClaimFactory.build(
        source=SourceFactory(),
        speaker=SpeakerFactory(),
        stated_on=datetime.date(2024, 10, 1),
        stated_on_precision=DatePrecision.MONTH,
    )
    claim.full_clean()
    assert claim.stated_on_display == "October 2024"


@pytest.mark.parametrize(
    "precision, entered, offered",
    [
        (DatePrecision.MONTH, datetime.date(2024, 9, 15), "for September 2024 enter 2024-09-01"),
        (DatePrecision.YEAR, datetime.date(2024, 9, 15), "for 2024 enter 2024-01-01"),
    ],
)
def test_date_more_precise_than_its_precision_is_refused_with_the_normalised_date(
    precision, entered, offered
):
    claim = ClaimFactory.build(
        source=SourceFactory(),
        speaker=SpeakerFactory(),
        stated_on=entered,
        stated_on_precision=precision,
    )
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    (message,) = error.value.message_dict["stated_on"]
    assert "15 September 2024 is more precise than its precision" in message
    assert offered in message
    assert claim.stated_on == entered, "the date is refused, not silently changed"
    with pytest.raises(IntegrityError), transaction.atomic():
        claim.save()


def test_source_published_date_more_precise_than_its_precision_is_refused():
    source = SourceFactory.build(
        outlet=OutletFactory(),
        published_on=datetime.date(2024, 5, 17),
        published_on_precision=DatePrecision.YEAR,
    )
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "for 2024 enter 2024-01-01" in error.value.message_dict["published_on"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        source.save()


def test_date_and_precision_must_agree():
    claim = ClaimFactory.build(
        source=SourceFactory(),
        speaker=SpeakerFactory(),
        stated_on=None,
        stated_on_precision=DatePrecision.DAY,
    )
    with pytest.raises(ValidationError) as error:
        claim.full_clean()
    assert "stated_on" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        claim.save()


def test_claim_text_found_in_source_records_its_span():
    source = SourceFactory(full_text="He said:\n\u201cWe support the\nAfghan authorities.\u201d")
    claim = ClaimFactory.build(
        source=source, speaker=SpeakerFactory(), text="We support the Afghan authorities."
    )
    claim.full_clean()
    assert claim.integrity == Claim.Integrity.LOCATED
    assert source.full_text[claim.span_start : claim.span_end] == (
        "We support the\nAfghan authorities."
    )


def test_claim_text_missing_from_source_is_flagged_not_rejected():
    source = SourceFactory(full_text="We support the Afghan authorities.")
    claim = ClaimFactory.build(
        source=source, speaker=SpeakerFactory(), text="We oppose the Afghan authorities."
    )
    claim.full_clean()
    claim.save()
    assert claim.integrity == Claim.Integrity.NOT_FOUND
    assert (claim.span_start, claim.span_end) == (None, None)


def test_claim_of_source_without_text_says_so():
    claim = ClaimFactory.build(source=SourceFactory(full_text=""), speaker=SpeakerFactory())
    claim.full_clean()
    assert claim.integrity == Claim.Integrity.NO_TEXT


def test_relocate_follows_a_corrected_source_text():
    source = SourceFactory(full_text="The envoy said nothing.")
    claim = ClaimFactory.build(source=source, speaker=SpeakerFactory(), text="a decision was made")
    claim.full_clean()
    claim.save()
    assert claim.integrity == Claim.Integrity.NOT_FOUND
    source.full_text = "The envoy said that a decision was made."
    source.save()
    assert Claim.objects.filter(source=source).relocate() == 1
    claim.refresh_from_db()
    assert claim.integrity == Claim.Integrity.LOCATED
    assert source.full_text[claim.span_start : claim.span_end] == "a decision was made"


def test_source_cannot_be_redated_before_its_claims():
    claim = ClaimFactory(stated_on=datetime.date(2024, 10, 4))
    source = claim.source
    source.published_on = datetime.date(2024, 9, 30)
    source.published_on_precision = DatePrecision.DAY
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert error.value.message_dict["published_on"] == [
        f"Claims from this source are dated after 30 September 2024: #{claim.pk} "
        "(4 October 2024). Correct those dates first."
    ]
