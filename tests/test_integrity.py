from claims.integrity import locate, normalise

SOURCE = (
    "Russia announced Friday that it has made a \u201cprincipal decision\u201d to remove\n"
    "Afghanistan\u2019s ruling Taliban from its list of terrorist  organizations."
)


def test_a_clean_quote_is_found_at_its_offsets():
    span = locate("principal decision", SOURCE)
    assert span is not None
    assert SOURCE[span[0] : span[1]] == "principal decision"


def test_a_reflowed_quote_with_straight_quote_marks_is_found():
    quote = "to remove Afghanistan's ruling Taliban from its list of terrorist organizations."
    start, end = locate(quote, SOURCE)
    assert SOURCE[start:end] == (
        "to remove\nAfghanistan\u2019s ruling Taliban from its list of terrorist  organizations."
    )


def test_curly_quotes_in_the_claim_match_straight_ones_in_the_source():
    assert locate("\u201cyes,\u201d he said", 'She asked. "yes," he said.') is not None


def test_an_altered_quote_is_not_found():
    assert locate("Russia announced Thursday", SOURCE) is None
    assert locate("a principle decision", SOURCE) is None


def test_empty_text_is_never_found():
    assert locate("   ", SOURCE) is None
    assert locate("Russia", "") is None


def test_normalise_folds_white_space_and_maps_offsets_back():
    text, offsets = normalise("  a \n\t b\u2019 ")
    assert text == "a b'"
    assert offsets == [2, 6, 7, 8]
