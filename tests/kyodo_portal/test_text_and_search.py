"""Normalisation of Japanese text and the keyword search built on it."""

import pytest

from kyodo_portal.search import apply_search, search_fields, search_filter
from kyodo_portal.text import MAX_SEARCH_TERMS, MAX_TERM_LENGTH, normalize, normalize_line, search_terms, short_grams
from partners.models import Partner
from tests.factories import PartnerFactory

# --- normalize -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ", "abc"),  # full-width ASCII folds and case-folds
        ("ｶﾅ", "カナ"),  # half-width katakana folds to full-width
        ("ｶﾞｯｺｳ", "ガッコウ"),  # a voiced-sound mark joins its kana
        ("１２３", "123"),
        ("Straße", "strasse"),  # casefold, not lower
        ("ＮＰＯ法人", "npo法人"),
    ],
)
def test_normalize_folds_width_and_case(text, expected):
    assert normalize(text) == expected


def test_normalize_collapses_whitespace_including_ideographic_space():
    assert normalize("  森\u3000\u3000環境\t\n 会 ") == "森 環境 会"


@pytest.mark.parametrize("empty", [None, "", "   ", "\u3000"])
def test_normalize_of_nothing_is_empty(empty):
    assert normalize(empty) == ""


def test_normalize_line_folds_width_but_keeps_case():
    assert normalize_line("ＮＰＯ法人\u3000Ｋａｗａｓａｋｉ ") == "NPO法人 Kawasaki"


# --- search_terms ----------------------------------------------------------------------------------


def test_search_terms_split_on_any_space_and_normalise():
    assert search_terms("森\u3000ＮＰＯ  子育て") == ["森", "npo", "子育て"]


def test_search_terms_are_deduplicated_after_normalisation():
    assert search_terms("ＡＢＣ abc Abc 森 森") == ["abc", "森"]


def test_search_terms_are_capped_in_number():
    query = " ".join(f"語{n}" for n in range(MAX_SEARCH_TERMS + 4))
    terms = search_terms(query)
    assert len(terms) == MAX_SEARCH_TERMS
    assert terms == [f"語{n}" for n in range(MAX_SEARCH_TERMS)]


def test_search_terms_are_capped_in_length():
    (term,) = search_terms("森" * (MAX_TERM_LENGTH + 30))
    assert term == "森" * MAX_TERM_LENGTH


@pytest.mark.parametrize("empty", [None, "", "  \u3000 "])
def test_search_terms_of_an_empty_query(empty):
    assert search_terms(empty) == []


# --- short_grams -----------------------------------------------------------------------------------


def test_short_grams_are_the_one_and_two_character_substrings():
    assert short_grams("森の会") == "森 森の の の会 会"


def test_short_grams_do_not_span_words_and_are_distinct():
    grams = short_grams("ああ あい").split(" ")
    assert grams == ["あ", "ああ", "あい", "い"]
    assert "あ あ" not in grams


def test_short_grams_of_empty_text():
    assert short_grams("") == ""


def test_search_fields_normalise_and_skip_missing_texts():
    values = search_fields("ＮＰＯ法人　森", None, "", "ｶﾜｻｷ")
    assert values["search_document"] == "npo法人 森 カワサキ"
    assert set(values["search_grams"].split(" ")) >= {"森", "法人", "カワ", "n", "np"}


# --- apply_search on partners ----------------------------------------------------------------------


def _found(query: str | None) -> set[str]:
    return set(apply_search(Partner.objects.all(), query).values_list("name", flat=True))


@pytest.fixture
def partners(db):
    names = [
        "海風の森",
        "かわさき環境会議",
        "環の会",  # 環 without 環境
        "環 境",  # the two characters in different words
        "子育て支援の会",
        "子育ちサロン",
        "ＮＰＯかわさき",  # full-width in the data
        "ｶﾜｻｷ ﾈｯﾄﾜｰｸ",  # half-width kana in the data
        "森と環境の学校",
    ]
    for name in names:
        PartnerFactory(name=name, description="")
    return names


def test_one_character_term_matches_a_gram(partners):
    assert _found("森") == {"海風の森", "森と環境の学校"}


def test_two_character_term_matches_only_the_whole_gram(partners):
    assert _found("環境") == {"かわさき環境会議", "森と環境の学校"}


def test_three_character_term_matches_a_substring(partners):
    assert _found("子育て") == {"子育て支援の会"}
    assert _found("環境会議") == {"かわさき環境会議"}


@pytest.mark.parametrize("query", ["npo", "NPO", "ＮＰＯ", "ｎｐｏ"])
def test_any_width_or_case_of_a_query_matches_full_width_data(partners, query):
    assert _found(query) == {"ＮＰＯかわさき"}


@pytest.mark.parametrize("query", ["カワサキ", "ｶﾜｻｷ", "ネットワーク"])
def test_full_width_query_matches_half_width_kana_data(partners, query):
    assert _found(query) == {"ｶﾜｻｷ ﾈｯﾄﾜｰｸ"}


@pytest.mark.parametrize("query", ["森 環境", "森\u3000環境", "環境　森", "森 環境 森"])
def test_several_terms_must_all_match(partners, query):
    assert _found(query) == {"森と環境の学校"}


def test_terms_that_match_different_partners_find_none(partners):
    assert _found("子育て 海風") == set()


@pytest.mark.parametrize("query", [None, "", "   ", "\u3000"])
def test_empty_query_returns_the_queryset_unfiltered(partners, query):
    queryset = Partner.objects.all()
    assert apply_search(queryset, query) is queryset
    assert search_filter(query) is None
    assert _found(query) == set(partners)


def test_search_also_covers_the_type_and_the_description(db):
    partner = PartnerFactory(name="ひだまり", description="多摩川の清掃をしています。")
    PartnerFactory(name="ほかの会", description="")
    assert _found("多摩川") == {partner.name}
    assert _found("清掃") == {partner.name}
    assert _found("任意団体") == {partner.name, "ほかの会"}  # the type's name is part of the document


# --- LIKE wildcards are literal ---------------------------------------------------------------------


@pytest.fixture
def wildcard_partners(db):
    for name in ["100%達成", "1000達成", "a_b会", "axb会", "C:\\data会", "Cxdata会"]:
        PartnerFactory(name=name, description="")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("%", {"100%達成"}),  # one character: a gram
        ("0%", {"100%達成"}),  # two characters: a gram
        ("100%", {"100%達成"}),  # longer: LIKE, where % would match anything
        ("_", {"a_b会"}),
        ("a_b", {"a_b会"}),  # "_" must not match the "x" of axb会
        ("\\", {"C:\\data会"}),
        (":\\d", {"C:\\data会"}),
        ("%%%", set()),
        ("___", set()),
        ("\\%", set()),
    ],
)
def test_like_wildcards_in_the_query_are_literal(wildcard_partners, query, expected):
    assert _found(query) == expected


def test_terms_listed_with_the_japanese_comma_are_separate_terms():
    from kyodo_portal.text import search_terms

    assert search_terms("環境、子育て，森") == ["環境", "子育て", "森"]
