"""The extraction assist's rules: speakers, dates and channels read as an editor would."""

import datetime

import pytest

from claims.dates import DatePrecision
from claims.extraction import Directory, extract, find_channel, resolve_date

DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR


@pytest.fixture
def directory():
    return Directory.build(
        speakers=[
            (1, "Zamir Kabulov", ["Kabulov"]),
            (2, "Sergey Lavrov", ["Lavrov"]),
            (3, "Amir Khan Muttaqi", ["Muttaqgi"]),
        ],
        outlets=[(10, "TASS"), (11, "Russia 24"), (12, "RIA Novosti")],
    )


def test_a_speaker_resolves_by_name_alias_surname_and_behind_a_title(directory):
    assert directory.speaker("Zamir Kabulov") == (1, "Zamir Kabulov")
    assert directory.speaker("Muttaqgi") == (3, "Amir Khan Muttaqi")  # a misspelling kept
    assert directory.speaker("Lavrov") == (2, "Sergey Lavrov")
    assert directory.speaker("Russian Foreign Minister Sergey Lavrov") == (2, "Sergey Lavrov")
    assert directory.speaker("Maria Zakharova") is None


def test_a_surname_two_speakers_share_resolves_to_neither():
    directory = Directory.build([(1, "Ann Smith", []), (2, "Bob Smith", [])])
    assert directory.speaker("Smith") is None
    assert directory.speaker("Bob Smith") == (2, "Bob Smith")


@pytest.mark.parametrize(
    ("phrase", "published", "precision", "expected"),
    [
        # A weekday in a piece published on a known day: that week's day.
        ("on Thursday", datetime.date(2024, 10, 4), DAY, (datetime.date(2024, 10, 3), DAY)),
        ("on Friday", datetime.date(2024, 10, 4), DAY, (datetime.date(2024, 10, 4), DAY)),
        ("yesterday", datetime.date(2024, 3, 5), DAY, (datetime.date(2024, 3, 4), DAY)),
        # Known only to the month: the month, never an invented day.
        ("on Thursday", datetime.date(2024, 10, 1), MONTH, (datetime.date(2024, 10, 1), MONTH)),
        ("in July", datetime.date(2024, 10, 1), MONTH, (datetime.date(2024, 7, 1), MONTH)),
        # The latest such month not after publication.
        ("in November", datetime.date(2024, 5, 1), MONTH, (datetime.date(2023, 11, 1), MONTH)),
        ("In June 2023", datetime.date(2024, 5, 1), MONTH, (datetime.date(2023, 6, 1), MONTH)),
        ("on 1 April 2024", datetime.date(2024, 5, 1), MONTH, (datetime.date(2024, 4, 1), DAY)),
        ("17 May", datetime.date(2024, 5, 1), MONTH, (datetime.date(2024, 5, 17), DAY)),
        ("May 24", datetime.date(2024, 5, 1), MONTH, (datetime.date(2024, 5, 24), DAY)),
        ("in 2021", datetime.date(2024, 5, 1), MONTH, (datetime.date(2021, 1, 1), YEAR)),
        ("last year", datetime.date(2024, 5, 1), MONTH, (datetime.date(2023, 1, 1), YEAR)),
        # Nothing to read, or nothing to read it against.
        ("on Thursday", None, DatePrecision.UNKNOWN, None),
        ("soon", datetime.date(2024, 5, 1), MONTH, None),
    ],
)
def test_a_date_is_as_precise_as_the_text_allows(phrase, published, precision, expected):
    assert resolve_date(phrase, published, precision) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Kabulov told TASS that the decision was made.", (10, "TASS")),
        ("he shared with the state-run TASS news agency.", (10, "TASS")),
        ("Bortnikov said in an interview with Russia 24 that it grew.", (11, "Russia 24")),
        ("Zakharova wrote on Telegram that they had waited.", (None, "Telegram")),
        ("Decker told reporters on Thursday that they would not attend.", None),
    ],
)
def test_the_channel_is_read_from_the_sentence(directory, sentence, expected):
    assert find_channel(sentence, directory) == expected


def test_a_quote_gets_its_speaker_its_channel_and_its_located_span(directory):
    text = (
        "Zamir Kabulov told TASS on Thursday that talks would resume. "
        "“We are ready to meet them in Kazan next month,” he said."
    )
    found = extract(text, directory, datetime.date(2024, 6, 14), DAY)
    paraphrase, quote = found
    assert paraphrase.kind == "paraphrase" and paraphrase.speaker_id == 1
    assert (paraphrase.via_id, paraphrase.stated_on) == (10, datetime.date(2024, 6, 13))
    assert quote.kind == "quote"
    assert quote.text == "We are ready to meet them in Kazan next month"
    assert text[quote.start : quote.end] == quote.text
    # "he said": the nearest earlier named speaker, and marked as a guess.
    assert quote.speaker_id == 1 and quote.speaker_guessed
    assert any("nearest speaker" in note for note in quote.notes)


def test_a_quote_split_by_its_attribution_is_two_located_quotes(directory):
    text = "“The decision has been made,” Sergey Lavrov said, “and the legal work is under way.”"
    found = extract(text, directory, datetime.date(2024, 10, 1), MONTH)
    assert [(c.kind, c.text, c.speaker_id) for c in found] == [
        ("quote", "The decision has been made", 2),
        ("quote", "and the legal work is under way", 2),
    ]
    assert all(text[c.start : c.end] == c.text for c in found)


def test_an_unknown_speaker_is_proposed_as_new_and_a_scare_quote_is_no_quote(directory):
    text = "Maria Zakharova said Moscow had made a “principal decision” on the list."
    (candidate,) = extract(text, directory, datetime.date(2024, 10, 1), MONTH)
    assert candidate.kind == "paraphrase"
    assert (candidate.speaker_id, candidate.speaker_name) == (None, "Maria Zakharova")
    assert any("proposed as new" in note for note in candidate.notes)
    assert (candidate.stated_on, candidate.stated_on_precision) == (
        datetime.date(2024, 10, 1),
        MONTH,
    )


def test_a_sentence_without_a_date_is_dated_to_the_month_of_publication(directory):
    text = "Kabulov said talks with Kabul would go on."
    (candidate,) = extract(text, directory, datetime.date(2024, 6, 14), DAY)
    # Said before publication, but the text does not say the day.
    assert (candidate.stated_on, candidate.stated_on_precision) == (
        datetime.date(2024, 6, 1),
        MONTH,
    )
    assert "No date in the sentence: the publication's month." in candidate.notes


def test_a_phrase_quoted_in_lower_case_is_part_of_the_paraphrase(directory):
    text = (
        "Lavrov said a decision had been “taken at the highest level” to remove "
        "the group from the list."
    )
    (candidate,) = extract(text, directory, datetime.date(2024, 10, 1), MONTH)
    assert candidate.kind == "paraphrase"
    assert candidate.text == text


def test_a_name_between_commas_after_a_title_is_the_speaker(directory):
    text = (
        "The head of the U.S. mission for Afghanistan, Karen Decker, posted on X that it would not."
    )
    (candidate,) = extract(text, directory, datetime.date(2024, 10, 1), MONTH)
    assert candidate.speaker_name == "Karen Decker"
    assert candidate.speaker_role == "head of the U.S. mission for Afghanistan"
    assert candidate.via_name == "X"


def test_lines_wrapped_inside_paragraphs_do_not_end_sentences(directory):
    wrapped = (
        "“The decision needs to be followed up with legal procedures in order to\n"
        "make it a reality,” Zamir Kabulov said during\nthe conference.\n\n"
        "In an interview with Russia 24, Lavrov said the talks went well."
    )
    quote, paraphrase = extract(wrapped, directory, datetime.date(2024, 10, 1), MONTH)
    assert quote.kind == "quote" and quote.speaker_id == 1
    assert quote.text.endswith("in order to\nmake it a reality")
    assert paraphrase.speaker_id == 2 and paraphrase.via_id == 11
    # Without blank lines, each line is a paragraph of its own.
    lines = "Decker spoke of the talks at length\nLavrov said the talks went well."
    assert [c.speaker_id for c in extract(lines, directory, None)] == [2]


def test_a_new_speaker_named_again_by_surname_is_one_new_speaker(directory):
    text = (
        "Abdul Rahman Habibzada said the talks in Moscow had gone well for Kabul. "
        "Habibzada said the next round would be held in Kazan."
    )
    first, second = extract(text, directory, datetime.date(2024, 10, 1), MONTH)
    assert first.speaker_name == second.speaker_name == "Abdul Rahman Habibzada"
    assert "“Habibzada” is taken to be Abdul Rahman Habibzada" in second.notes[0]


def test_the_second_part_of_a_split_quote_says_how_to_keep_it(directory):
    text = "“The decision has been made,” Sergey Lavrov said, “and the legal work is under way.”"
    first, second = extract(text, directory, datetime.date(2024, 10, 1), MONTH)
    assert not any("split by its attribution" in note for note in first.notes)
    assert any("link them as the same statement" in note for note in second.notes)


def test_a_speakers_own_name_beats_anothers_alias_and_the_older_speaker_a_tie():
    # Speaker 2's alias is speaker 3's name; speakers 1 and 2 share an alias.
    speakers = [
        (1, "Zed Xavier", ["Bob Smith"]),
        (2, "Adam Young", ["Bob Smith", "Ann Lavrova"]),
        (3, "Ann Lavrova", []),
    ]
    for given in (speakers, speakers[::-1]):
        assert Directory.build(given).speaker("Ann Lavrova") == (3, "Ann Lavrova")
    # from_database gives the speakers oldest first.
    assert Directory.build(speakers).speaker("Bob Smith") == (1, "Zed Xavier")
