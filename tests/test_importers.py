import io
import json

import pytest
from django.core.management import CommandError, call_command

from claims.importers import CORPUS, load_corpus
from claims.models import Claim, Link, Outlet, Source, Speaker, Subject, Topic

pytestmark = pytest.mark.django_db

CORPUS_DATA = json.loads(CORPUS.read_text(encoding="utf-8"))


def table_snapshot():
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Outlet, Source, Speaker, Subject, Topic, Claim, Link)
    }


def test_seed_load_yields_the_curated_corpus():
    counts = load_corpus()
    assert counts["sources"] == 5
    assert counts["claims"] == len(CORPUS_DATA["claims"]) >= 40
    assert counts["links"] == len(CORPUS_DATA["links"]) >= 15
    assert Link.objects.filter(kind=Link.Kind.CONTRADICTS).count() >= 4
    assert Link.objects.filter(kind=Link.Kind.SAME_STATEMENT).exists()
    assert set(Claim.objects.values_list("kind", flat=True)) == set(Claim.Kind.values)


def test_seed_load_twice_changes_nothing():
    load_corpus()
    before = table_snapshot()
    counts = load_corpus()
    assert not any(counts.values())
    assert table_snapshot() == before


def test_every_seed_claim_is_located_in_its_source():
    load_corpus()
    for claim in Claim.objects.select_related("source"):
        assert claim.integrity == Claim.Integrity.LOCATED, claim.import_ref
        found = claim.source.full_text[claim.span_start : claim.span_end]
        assert " ".join(found.split())[:20] == " ".join(claim.text.split())[:20]


def test_seed_sources_keep_unknowns_unknown():
    load_corpus()
    unknown_outlet = Source.objects.get(import_ref="seed-000")
    assert unknown_outlet.outlet is None
    assert unknown_outlet.authors == ""
    assert unknown_outlet.published_on_display == "October 2024"
    moscow_times = Source.objects.get(import_ref="seed-001")
    assert moscow_times.outlet.name == "The Moscow Times"
    assert "Muttaqgi" in moscow_times.full_text


def test_seed_answers_the_envoy_question():
    load_corpus()
    topic = Topic.objects.get(title="Which states accepted Taliban-appointed envoys?")
    subjects = set(topic.claims.values_list("subjects__name", flat=True))
    assert {"China", "United Arab Emirates", "Uzbekistan"} <= subjects


def test_seed_claims_name_their_intermediaries():
    load_corpus()
    via = set(Claim.objects.exclude(via=None).values_list("via__name", flat=True))
    assert {"TASS", "RIA Novosti", "RTVI", "Russia 24"} <= via


def test_dry_run_reports_and_changes_nothing(capsys):
    call_command("load_seed", "--dry-run")
    assert "Would create: 7 outlets, 5 sources" in capsys.readouterr().out
    assert not Claim.objects.exists()


def test_broken_corpus_is_refused_whole(tmp_path):
    broken = dict(CORPUS_DATA)
    broken["links"] = [
        *CORPUS_DATA["links"],
        {"a": "000-01", "b": "000-01", "kind": "corroborates"},
    ]
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    (tmp_path / "texts").symlink_to(CORPUS.parent / "texts")
    with pytest.raises(CommandError, match="cannot be linked to itself"):
        call_command("load_seed", "--path", str(path))
    assert not Claim.objects.exists()


def load_changed(tmp_path, change):
    """load_seed on a copy of the corpus that `change(data)` altered; its output."""
    data = json.loads(CORPUS.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "texts").symlink_to(CORPUS.parent / "texts")
    out, err = io.StringIO(), io.StringIO()
    call_command("load_seed", "--path", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _set(section, index, field, value):
    def change(data):
        data[section][index][field] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set("claims", 3, "topics", None),
            "claims[3] (ref '000-04'): topics: must be a list of text, not null",
        ),
        (
            _set("speakers", 0, "aliases", "XYZ"),
            "speakers[0] (slug 'zamir-kabulov'): aliases: must be a list of text, not text",
        ),
        (
            _set("claims", 0, "text", 42),
            "claims[0] (ref '000-01'): text: must be text, not a number",
        ),
        (_set("claims", 2, "stated_on", "2024-13"), "claims[2] (ref '000-03'): stated_on:"),
        (
            _set("claims", 1, "source", "seed-999"),
            "claims[1] (ref '000-02'): source: there is no source 'seed-999'",
        ),
        (
            _set("claims", 1, "topics", ["no-such-topic"]),
            "claims[1] (ref '000-02'): topics: there is no topic 'no-such-topic'",
        ),
        (
            _set("links", 0, "kind", "agrees"),
            "links[0] (a '000-09'): kind: Value 'agrees' is not a valid choice",
        ),
        (
            _set("sources", 0, "file", "../corpus.json"),
            "sources[0] (ref 'seed-000'): file: there is no text file",
        ),
        (
            lambda data: data["claims"].__setitem__(5, "a claim"),
            "claims[5]: must be an object, not text",
        ),
        (lambda data: data.__setitem__("speakers", {}), "speakers: must be a list, not an object"),
    ],
)
def test_a_broken_record_is_named_with_its_field_and_nothing_is_written(tmp_path, change, message):
    with pytest.raises(CommandError) as error:
        load_changed(tmp_path, change)
    assert message in str(error.value)
    assert not Claim.objects.exists()
    assert not Speaker.objects.exists()


def test_a_claim_not_found_in_its_source_is_loaded_and_reported(tmp_path):
    out, err = load_changed(tmp_path, _set("claims", 0, "text", "Words the article never printed."))
    assert "Created:" in out
    assert "claims[0] (ref '000-01'): text: not found in the text of source seed-000" in err
    assert Claim.objects.get(import_ref="000-01").integrity == Claim.Integrity.NOT_FOUND


def test_a_record_the_database_holds_differently_is_kept_and_reported(tmp_path):
    load_corpus()
    speaker = Speaker.objects.get(slug="zamir-kabulov")
    speaker.affiliation = "Corrected by an editor"
    speaker.save()
    out, err = load_changed(tmp_path, lambda data: None)
    assert "nothing changed" in out
    assert "speakers[0] (slug 'zamir-kabulov'): the database differs in affiliation" in err
    assert Speaker.objects.get(slug="zamir-kabulov").affiliation == "Corrected by an editor"
