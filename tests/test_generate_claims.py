from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F
from django.db.models.functions import Greatest, Least

from claims import dates, evidence, integrity
from claims.models import Claim, Link, Outlet, Source, Speaker, SpeakerAlias, Subject, Topic

pytestmark = pytest.mark.django_db


def generate(**options):
    out = StringIO()
    call_command("generate_claims", stdout=out, **options)
    return out.getvalue()


def test_generate_claims_fills_every_table_and_says_what_it_created():
    output = generate(claims=60, links=90, seed=5)
    assert Claim.objects.count() == 60
    assert Link.objects.count() == 90
    assert "60 claims" in output and "90 links" in output
    assert f"{Source.objects.count()} sources" in output
    for model in (Outlet, Speaker, SpeakerAlias, Subject, Topic):
        assert model.objects.exists(), model
    assert Claim.topics.through.objects.exists()
    assert Claim.subjects.through.objects.exists()


def test_every_generated_claim_is_located_where_the_integrity_check_finds_it():
    generate(claims=200, links=0, seed=1)
    claims = Claim.objects.select_related("source")
    assert {claim.integrity for claim in claims} == {Claim.Integrity.LOCATED}
    for claim in claims:
        assert integrity.locate(claim.text, claim.source.full_text) == (
            claim.span_start,
            claim.span_end,
        ), claim.pk
        assert claim.source.full_text[claim.span_start : claim.span_end] == claim.text


def test_generated_rows_pass_every_constraint_and_validation():
    generate(claims=120, links=200, seed=2)
    for source in Source.objects.all():
        source.full_clean()  # also: no claim dated after its source
    for claim in Claim.objects.select_related("source"):
        spans = (claim.span_start, claim.span_end)
        claim.full_clean()
        assert (claim.span_start, claim.span_end) == spans
        assert not dates.is_after(
            claim.stated_on,
            claim.stated_on_precision,
            claim.source.published_on,
            claim.source.published_on_precision,
        )
    for link in Link.objects.all():
        link.full_clean()


def test_generated_data_varies_like_real_data():
    generate(claims=800, links=400, seed=3)
    claims = Claim.objects.all()
    assert set(claims.values_list("kind", flat=True)) == set(Claim.Kind.values)
    assert set(claims.values_list("stated_on_precision", flat=True)) == {
        "day",
        "month",
        "year",
        "unknown",
    }
    assert claims.exclude(via=None).exists() and claims.filter(via=None).exists()
    assert claims.exclude(context="").exists() and claims.exclude(speaker_role="").exists()
    lengths = [len(text) for text in claims.values_list("text", flat=True)]
    assert min(lengths) < 80 < 400 < max(lengths)
    assert Source.objects.filter(language="ru").exists()
    assert Speaker.objects.filter(aliases__isnull=False).exists()
    assert Source.objects.exclude(full_text="").count() == Source.objects.count()
    per_source = Source.objects.annotate(n=Count("claims")).values_list("n", flat=True)
    assert min(per_source) >= 1 and max(per_source) > 1
    # Lineage as news has it: copies of earlier sources, and agency copy.
    assert set(Source.objects.exclude(derivation="").values_list("derivation", flat=True)) == set(
        Source.Derivation.values
    )
    assert Source.objects.exclude(wire=None).exists()
    assert not claims.filter(kind="assertion").exclude(speaker=None).exists()


def test_generated_claims_carry_their_true_evidence_values():
    generate(claims=300, links=600, seed=5)
    assert evidence.verify() == []
    claims = Claim.objects.all()
    assert claims.filter(statement_reports__gt=1).exists()
    assert claims.filter(independent_witnesses__gt=0).exists()
    assert claims.filter(contradicting_reports__gt=0).exists()


def test_generated_links_are_of_every_kind_never_to_self_and_never_twice():
    generate(claims=50, links=500, seed=4)
    links = Link.objects.all()
    assert set(links.values_list("kind", flat=True)) == set(Link.Kind.values)
    assert not links.filter(claim_a=F("claim_b")).exists()
    assert not links.filter(kind=Link.Kind.CONTRADICTS, note="").exists()
    pairs = links.values_list(Least("claim_a", "claim_b"), Greatest("claim_a", "claim_b"))
    assert len(set(pairs)) == 500


def test_a_second_run_adds_claims_and_reuses_outlets_speakers_and_topics():
    generate(claims=80, links=100, seed=1)
    reference = [model.objects.count() for model in (Outlet, Speaker, Topic, Subject)]
    first_ids = set(Claim.objects.values_list("pk", flat=True))
    output = generate(claims=80, links=100, seed=1)
    assert "0 outlets, 0 speakers, 0 speaker aliases, 0 topics, 0 subjects" in output
    assert [model.objects.count() for model in (Outlet, Speaker, Topic, Subject)] == reference
    assert Claim.objects.count() == 160
    assert Link.objects.count() == 200
    assert Claim.objects.exclude(pk__in=first_ids).count() == 80
    for link in Link.objects.all():
        link.full_clean()
    # New rows after the generated ones get fresh ids.
    claim = Claim.objects.create(
        text="Later.",
        kind="paraphrase",
        speaker=Speaker.objects.first(),
        source=Source.objects.first(),
    )
    assert claim.pk > max(first_ids)


def test_generate_claims_runs_on_a_database_that_holds_the_seed_corpus():
    call_command("load_seed", stdout=StringIO())
    seeded = {claim.pk: claim.text for claim in Claim.objects.all()}
    uae = Subject.objects.get(name="United Arab Emirates")
    generate(claims=300, links=200, seed=3)
    assert Claim.objects.count() == len(seeded) + 300
    # The seed's subject is reused under its own slug, not duplicated or refused.
    assert Subject.objects.filter(name="United Arab Emirates").get() == uae
    assert (
        Claim.objects.filter(subjects=uae).count()
        > Claim.objects.filter(pk__in=seeded, subjects=uae).count()
    )
    assert {
        pk: text for pk, text in Claim.objects.filter(pk__in=seeded).values_list("pk", "text")
    } == seeded
    assert evidence.verify() == []


def test_more_links_than_pairs_is_an_error_and_writes_nothing():
    with pytest.raises(CommandError, match="cannot have 5 distinct links"):
        generate(claims=3, links=5)
    assert not Claim.objects.exists()
    assert not Outlet.objects.exists()


def test_dry_run_writes_nothing():
    output = generate(claims=20, links=10, dry_run=True)
    assert output.startswith("Would create:")
    assert "20 claims" in output
    assert not Claim.objects.exists()
    assert not Link.objects.exists()
