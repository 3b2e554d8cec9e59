"""The evidence model: lineage, statements, the two counts, stored and always true."""

import random
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import QuerySet

from claims import evidence
from claims.importers import load_corpus
from claims.models import Claim, Link, Outlet, Source
from tests.factories import ClaimFactory, LinkFactory, OutletFactory, SourceFactory, SpeakerFactory

pytestmark = pytest.mark.django_db


def fresh(claim):
    return Claim.objects.get(pk=claim.pk)


def same(a, b, note="The same words."):
    return LinkFactory(claim_a=a, claim_b=b, kind=Link.Kind.SAME_STATEMENT, note=note)


def corroborates(a, b):
    return LinkFactory(claim_a=a, claim_b=b, kind=Link.Kind.CORROBORATES)


# Lineage ------------------------------------------------------------------------------


def test_a_rewrite_of_a_source_is_not_a_second_source_or_witness():
    original = SourceFactory(outlet=None, authors="")
    rewrite = SourceFactory(outlet=None, authors="", derived_from=original, derivation="rewrites")
    first = ClaimFactory(source=original, kind=Claim.Kind.ASSERTION, text="Beijing accepted.")
    copy = ClaimFactory(source=rewrite, kind=Claim.Kind.ASSERTION, text="Beijing accepted.")
    same(first, copy)
    assert fresh(copy).witness_key == fresh(first).witness_key == evidence.source_key(original.pk)
    assert fresh(copy).independent_sources == 1
    assert fresh(copy).statement_reports == 2


def test_lineage_is_followed_to_its_root_through_a_chain():
    root = SourceFactory(outlet=OutletFactory(name="Kubha News"))
    middle = SourceFactory(derived_from=root, derivation="republishes")
    leaf = SourceFactory(derived_from=middle, derivation="translates")
    claim = ClaimFactory(source=leaf)
    assert fresh(claim).origin_key == evidence.outlet_key(root.outlet_id)


def test_an_agency_story_under_five_mastheads_counts_once():
    tass = OutletFactory(name="TASS", kind="news_agency")
    speaker = SpeakerFactory()
    reports = [
        ClaimFactory(source=SourceFactory(wire=tass), speaker=speaker, text="We will act.")
        for _ in range(5)
    ]
    for other in reports[1:]:
        same(reports[0], other)
    assert {fresh(claim).independent_sources for claim in reports} == {1}
    assert {fresh(claim).origin_key for claim in reports} == {evidence.outlet_key(tass.pk)}


def test_the_channel_a_report_names_is_its_origin():
    tass, ria = OutletFactory(name="TASS"), OutletFactory(name="RIA Novosti")
    speaker = SpeakerFactory()
    told_tass = ClaimFactory(speaker=speaker, via=tass)
    told_ria = ClaimFactory(speaker=speaker, via=ria)
    also_tass = ClaimFactory(speaker=speaker, via=tass)
    same(told_tass, told_ria)
    same(told_ria, also_tass)
    assert fresh(told_tass).independent_sources == 2


def test_a_loop_in_lineage_is_refused_by_the_form_and_survived_by_the_count():
    first = SourceFactory(title="A")
    second = SourceFactory(title="B", derived_from=first, derivation="rewrites")
    first.derived_from, first.derivation = second, "rewrites"
    with pytest.raises(ValidationError, match="derive from itself"):
        first.full_clean()
    # Written past the form (a raw update), the loop still gives one answer.
    Source.objects.filter(pk=first.pk).update(derived_from=second, derivation="rewrites")
    a, b = ClaimFactory(source=first), ClaimFactory(source=second)
    assert fresh(a).origin_key == fresh(b).origin_key
    assert evidence.verify() == []


def test_a_source_cannot_derive_from_itself():
    source = SourceFactory()
    source.derived_from, source.derivation = source, "republishes"
    with pytest.raises(ValidationError):
        source.full_clean()


def test_recording_lineage_later_updates_the_counts_of_every_claim_it_touches():
    speaker = SpeakerFactory()
    original, copy = SourceFactory(), SourceFactory()
    a = ClaimFactory(source=original, kind=Claim.Kind.ASSERTION)
    b = ClaimFactory(source=copy, kind=Claim.Kind.ASSERTION)
    c = ClaimFactory(speaker=speaker)
    corroborates(a, c)
    corroborates(b, c)
    assert fresh(c).independent_witnesses == 2
    copy.derived_from, copy.derivation = original, Source.Derivation.REWRITES
    copy.full_clean()
    copy.save()
    assert fresh(c).independent_witnesses == 1


# Statements ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_a_chain_of_same_statement_links_is_one_statement_in_any_order(order):
    claims = [ClaimFactory(text=f"Report {n}") for n in range(3)]
    pairs = [(claims[0], claims[1]), (claims[1], claims[2])]
    for index in order:
        same(*pairs[index])
    keys = {fresh(claim).statement_key for claim in claims}
    assert len(keys) == 1
    assert {fresh(claim).statement_reports for claim in claims} == {3}


def test_removing_the_middle_link_splits_the_statement():
    a, b, c = (ClaimFactory() for _ in range(3))
    same(a, b)
    middle = same(b, c)
    middle.delete()
    assert fresh(a).statement_key == fresh(b).statement_key != fresh(c).statement_key
    assert fresh(c).statement_reports == 1


# Witnesses ----------------------------------------------------------------------------


def test_one_speaker_in_two_outlets_is_one_witness():
    kabulov = SpeakerFactory(name="Zamir Kabulov")
    claim = ClaimFactory()
    corroborates(claim, ClaimFactory(speaker=kabulov, source=SourceFactory()))
    corroborates(claim, ClaimFactory(speaker=kabulov, source=SourceFactory()))
    assert fresh(claim).corroborating_reports == 2
    assert fresh(claim).independent_witnesses == 1


def test_the_claims_own_witness_does_not_corroborate_it():
    speaker = SpeakerFactory()
    claim = ClaimFactory(speaker=speaker)
    corroborates(claim, ClaimFactory(speaker=speaker))
    corroborates(claim, ClaimFactory())
    assert fresh(claim).independent_witnesses == 1


def test_corroboration_of_any_report_of_the_statement_counts_for_every_report():
    first, second = ClaimFactory(), ClaimFactory()
    same(first, second)
    corroborates(second, ClaimFactory())
    assert fresh(first).independent_witnesses == 1
    assert fresh(first).corroborating_reports == 1


def test_an_assertion_is_witnessed_by_its_author_wherever_they_write():
    kumar = "Ruchi Kumar"
    claim = ClaimFactory()
    for outlet in (OutletFactory(), OutletFactory()):
        corroborates(
            claim,
            ClaimFactory(
                kind=Claim.Kind.ASSERTION, source=SourceFactory(outlet=outlet, authors=kumar)
            ),
        )
    assert fresh(claim).independent_witnesses == 1


def test_nothing_depends_on_ids_or_link_order():
    """The same evidence entered in two orders gives the same counts to the same texts."""

    def build(order):
        Claim.objects.all().delete()
        speakers = [SpeakerFactory() for _ in range(3)]
        texts = [f"text {n}" for n in range(6)]
        created = {text: ClaimFactory(text=text, speaker=speakers[n % 3]) for n, text in
                   enumerate(texts if order else reversed(texts))}  # fmt: skip
        pairs = [("text 0", "text 1", "same_statement"), ("text 1", "text 2", "same_statement"),
                 ("text 3", "text 2", "corroborates"), ("text 4", "text 0", "corroborates"),
                 ("text 5", "text 4", "contradicts")]  # fmt: skip
        for a, b, kind in pairs if order else reversed(pairs):
            LinkFactory(claim_a=created[a], claim_b=created[b], kind=kind, note="n")
        return {
            claim.text: (
                claim.statement_reports,
                claim.independent_sources,
                claim.corroborating_reports,
                claim.independent_witnesses,
                claim.contradicting_reports,
            )
            for claim in Claim.objects.all()
        }

    assert build(True) == build(False)


# Computed once, stored, always true -------------------------------------------------


def _random_edit(rng, speakers, sources):
    claims = list(Claim.objects.values_list("pk", flat=True))
    action = rng.choice(
        ["claim", "claim", "link", "link", "link", "unlink", "edit", "lineage", "update", "drop"]
    )
    if action == "claim" or len(claims) < 2:
        kind = rng.choice(Claim.Kind.values)
        ClaimFactory(
            kind=kind,
            speaker=None if kind == "assertion" else rng.choice(speakers),
            source=rng.choice(sources),
            via=rng.choice([None, None, sources[0].outlet]),
        )
    elif action == "link":
        a, b = rng.sample(claims, 2)
        if not Link.objects.between(a, b).exists():
            LinkFactory(
                claim_a_id=a, claim_b_id=b, kind=rng.choice(Link.Kind.values), note="Because."
            )
    elif action == "unlink" and Link.objects.exists():
        rng.choice(list(Link.objects.all())).delete()
    elif action == "edit":
        claim = Claim.objects.get(pk=rng.choice(claims))
        if claim.kind != Claim.Kind.ASSERTION:
            claim.speaker = rng.choice(speakers)
        claim.source = rng.choice(sources)
        claim.save()
    elif action == "lineage":
        source, parent = rng.sample(sources, 2)
        source.refresh_from_db()
        source.derived_from, source.derivation = parent, "rewrites"
        try:
            source.full_clean()
        except ValidationError:
            return
        source.save()
    elif action == "update":
        Claim.objects.filter(pk__in=rng.sample(claims, 2)).exclude(kind="assertion").update(
            speaker=rng.choice(speakers)
        )
        Link.objects.filter(pk__in=Link.objects.order_by("?")[:1].values("pk")).update(
            kind=Link.Kind.SAME_STATEMENT
        )
    elif action == "drop":
        Claim.objects.filter(pk__in=rng.sample(claims, 1)).delete()


@pytest.mark.parametrize("seed", range(4))
def test_stored_values_equal_a_recomputation_after_random_edits(seed):
    rng = random.Random(seed)
    speakers = [SpeakerFactory() for _ in range(4)]
    outlets = [OutletFactory() for _ in range(3)]
    sources = [SourceFactory(outlet=rng.choice([None, *outlets])) for _ in range(5)]
    for step in range(60):
        _random_edit(rng, speakers, sources)
        assert evidence.verify() == [], f"after step {step}"
    assert Claim.objects.filter(statement_reports__gt=1).exists()


def test_verify_reports_a_wrong_stored_value_and_rebuild_repairs_it():
    claim = ClaimFactory()
    corroborates(claim, ClaimFactory())
    Claim._base_manager.filter(pk=claim.pk).update(independent_witnesses=7)
    with pytest.raises(CommandError, match="1 stored values of 1 claims differ"):
        call_command("verify_evidence", stdout=StringIO())
    out = StringIO()
    call_command("rebuild_evidence", stdout=out)
    assert "1 changed" in out.getvalue()
    call_command("verify_evidence", stdout=out)
    assert fresh(claim).independent_witnesses == 1


def test_rebuild_writes_many_rows_at_once_and_right():
    """Past 500 changed rows PostgreSQL writes them with COPY and one UPDATE."""
    hub = ClaimFactory()
    others = ClaimFactory.create_batch(600)
    # A write past the models (a plain QuerySet, as raw SQL would be) leaves them stale.
    QuerySet(Link).bulk_create(
        [Link(claim_a=hub, claim_b=other, kind=Link.Kind.CORROBORATES) for other in others]
    )
    assert evidence.verify()
    assert evidence.rebuild() == 601
    assert evidence.verify() == []
    assert fresh(hub).independent_witnesses == 600


# The seed corpus ----------------------------------------------------------------------


def test_the_seed_records_lineage_and_attributes_assertions_to_their_sources():
    load_corpus()
    rewrite = Source.objects.get(import_ref="seed-002")
    assert rewrite.derived_from.import_ref == "seed-000"
    assert rewrite.derivation == Source.Derivation.REWRITES
    assert not Claim.objects.filter(kind=Claim.Kind.ASSERTION).exclude(speaker=None).exists()
    assert not Claim.objects.filter(speaker__name__startswith="Unattributed").exists()
    opinion = Claim.objects.filter(source__import_ref="seed-001", kind="assertion").first()
    assert opinion.asserted_by == "Ruchi Kumar (The Moscow Times)"
    assert evidence.verify() == []


def test_seed_reports_take_their_own_origin_not_another_reports():
    load_corpus()
    for claim in Claim.objects.filter(source__import_ref="seed-004", via=None):
        assert claim.origin_key == evidence.source_key(claim.source_id)


def test_editors_may_record_stances():
    from django.contrib.auth.models import Group

    editor = Group.objects.get(name="Editor")
    codenames = set(editor.permissions.values_list("codename", flat=True))
    assert {"add_stance", "change_stance", "delete_stance", "view_stance"} <= codenames


def test_a_copy_carries_the_channel_its_original_names():
    tass = OutletFactory(name="TASS")
    original = SourceFactory(outlet=None)
    rewrite = SourceFactory(outlet=None, derived_from=original, derivation="rewrites")
    kabulov = SpeakerFactory()
    told_tass = ClaimFactory(source=original, speaker=kabulov, via=tass)
    restated = ClaimFactory(source=rewrite, speaker=kabulov)
    same(told_tass, restated)
    assert fresh(restated).origin_key == evidence.outlet_key(tass.pk)
    assert fresh(told_tass).independent_sources == 1


def test_an_article_restating_a_speaker_in_its_own_voice_is_not_a_new_witness():
    muttaqi = SpeakerFactory(name="Amir Khan Muttaqi")
    quoted = ClaimFactory(speaker=muttaqi, text="Kazakhstan has delisted us.")
    restated = ClaimFactory(kind=Claim.Kind.ASSERTION, text="Kazakhstan delisted them.")
    same(quoted, restated)
    assert fresh(restated).witness_key == evidence.speaker_key(muttaqi.pk)
    claim = ClaimFactory()
    corroborates(claim, quoted)
    corroborates(claim, restated)
    assert fresh(claim).independent_witnesses == 1


def test_the_seeds_rewrite_of_a_tass_quote_is_not_a_second_source():
    load_corpus()
    rewrite = Claim.objects.get(source__import_ref="seed-002", text__contains="principal decision")
    assert rewrite.via is None
    assert rewrite.statement_reports == 2
    assert rewrite.independent_sources == 1
    assert rewrite.origin_key == evidence.outlet_key(Outlet.objects.get(name="TASS").pk)


def test_deleting_claims_from_the_admin_list_updates_the_claims_they_corroborated(admin_client):
    claim = ClaimFactory()
    corroborating = [ClaimFactory(), ClaimFactory()]
    for other in corroborating:
        corroborates(claim, other)
    assert fresh(claim).independent_witnesses == 2
    response = admin_client.post(
        "/admin/claims/claim/",
        {
            "action": "delete_selected",
            "_selected_action": [other.pk for other in corroborating],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert fresh(claim).independent_witnesses == 0
    assert fresh(claim).corroborating_ids == ""
    assert evidence.verify() == []


def test_writes_through_related_managers_and_bulk_create_keep_the_values_true():
    speaker, other_speaker = SpeakerFactory(), SpeakerFactory()
    claim = ClaimFactory(speaker=speaker)
    corroborating = ClaimFactory(speaker=speaker)
    Link.objects.bulk_create(
        [Link(claim_a=claim, claim_b=corroborating, kind=Link.Kind.CORROBORATES)]
    )
    assert fresh(claim).corroborating_reports == 1
    assert fresh(claim).independent_witnesses == 0  # the same speaker
    other_speaker.claims.add(corroborating)  # re-attributed through the related manager
    assert fresh(claim).independent_witnesses == 1
    tass = OutletFactory(name="TASS")
    tass.relayed_claims.add(claim)
    assert fresh(claim).origin_key == evidence.outlet_key(tass.pk)
    [new] = Claim.objects.bulk_create([Claim(text="New.", kind="paraphrase", speaker=speaker,
                                             source=claim.source)])  # fmt: skip
    assert fresh(new).statement_key == new.pk
    assert evidence.verify() == []


def test_a_copy_whose_lineage_names_two_channels_keeps_its_lineages_origin():
    tass, ria = OutletFactory(name="TASS"), OutletFactory(name="RIA Novosti")
    original = SourceFactory(outlet=None)
    copy = SourceFactory(outlet=None, derived_from=original, derivation="republishes")
    speaker = SpeakerFactory()
    reports = [
        ClaimFactory(source=original, speaker=speaker, via=tass),
        ClaimFactory(source=original, speaker=speaker, via=ria),
        ClaimFactory(source=copy, speaker=speaker),
    ]
    same(reports[0], reports[1])
    same(reports[1], reports[2])
    assert fresh(reports[2]).origin_key == evidence.source_key(original.pk)
    assert fresh(reports[2]).independent_sources == 3


def test_changing_a_links_kind_or_note_in_the_admin_leaves_the_values_true():
    claim, other = ClaimFactory(), ClaimFactory()
    link = corroborates(claim, other)
    link.note = "Both name Beijing."
    link.save()
    assert fresh(claim).independent_witnesses == 1
    link.kind = Link.Kind.CONTRADICTS
    link.save()
    assert fresh(claim).independent_witnesses == 0
    assert fresh(claim).contradicting_reports == 1
    assert evidence.verify() == []
