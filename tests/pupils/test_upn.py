"""UPN check letter, validation and construction, and the census code parsers."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pupils import codes
from pupils.upn import (
    CHECK_ALPHABET,
    InvalidUPN,
    UpnParts,
    check_letter,
    is_temporary,
    is_valid_upn,
    make_upn,
    parse_upn,
    validate_upn,
)

DIGITS = "0123456789"
permanent_bodies = st.text(alphabet=DIGITS, min_size=12, max_size=12)
temporary_bodies = st.builds(
    lambda digits, letter: digits + letter,
    st.text(alphabet=DIGITS, min_size=11, max_size=11),
    st.sampled_from(CHECK_ALPHABET),
)
bodies = st.one_of(permanent_bodies, temporary_bodies)


# --------------------------------------------------------------------------- the DfE examples


@pytest.mark.parametrize("upn", ["B801200005001", "R674123101121"])
def test_dfe_examples_are_valid(upn):
    assert validate_upn(upn) == upn
    assert is_valid_upn(upn)
    assert not is_temporary(upn)


def test_check_letter_of_the_dfe_examples():
    # 8*2 + 1*4 + 2*5 + 5*10 + 1*13 = 93; 93 mod 23 = 1 -> B
    assert check_letter("801200005001") == "B"
    # 153 mod 23 = 15 -> R (the alphabet skips I and O)
    assert check_letter("674123101121") == "R"


def test_the_check_alphabet_has_23_letters_without_i_o_s():
    assert len(CHECK_ALPHABET) == 23
    assert set(CHECK_ALPHABET) == set(string.ascii_uppercase) - {"I", "O", "S"}


@pytest.mark.parametrize("raw", [" b801200005001 ", "B801 2000 05 001", "b801200005001\n", "\tB8012000\t05001"])
def test_validation_normalises_case_and_whitespace(raw):
    assert validate_upn(raw) == "B801200005001"


# --------------------------------------------------------------------------- rejections


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "UPN is missing"),
        ("", "UPN is missing"),
        ("   ", "UPN is missing"),
        ("B80120000500", "must be 13 characters long, not 12"),
        ("B8012000050011", "must be 13 characters long, not 14"),
        ("1801200005001", "must start with its check letter, not '1'"),
        ("B80120000X001", "character 10 of a UPN must be a digit, not 'X'"),
        ("B80120000500I", "the last character of a UPN must be a digit"),
        ("B80120000500O", "the last character of a UPN must be a digit"),
        ("B80120000500S", "the last character of a UPN must be a digit"),
        ("B8012000050½1", "character 12 of a UPN must be a digit"),
        ("B80120000500١", "the last character of a UPN must be a digit"),  # Arabic-Indic digit one
        ("C801200005001", "check letter should be B"),
        ("I801200005001", "check letter should be B"),
        (801200005001, "a UPN is text of 13 characters"),
    ],
)
def test_invalid_upns_are_rejected_with_a_specific_message(value, message):
    with pytest.raises(InvalidUPN) as excinfo:
        validate_upn(value)
    assert message in str(excinfo.value)
    assert not is_valid_upn(value)


def test_invalid_upn_is_a_value_error():
    assert issubclass(InvalidUPN, ValueError)


def test_every_wrong_check_letter_for_one_number_is_rejected():
    body = "801200005001"
    accepted = [letter for letter in string.ascii_uppercase if is_valid_upn(letter + body)]
    assert accepted == ["B"]
    for letter in set(string.ascii_uppercase) - {"B"}:
        with pytest.raises(InvalidUPN, match="check letter should be B"):
            validate_upn(letter + body)


@given(bodies)
def test_exactly_one_check_letter_is_accepted_for_any_body(body):
    accepted = [letter for letter in string.ascii_uppercase if is_valid_upn(letter + body)]
    assert accepted == [check_letter(body)]
    assert accepted[0] in CHECK_ALPHABET


@given(bodies, st.integers(min_value=0, max_value=10), st.sampled_from(DIGITS))
def test_changing_one_digit_is_always_caught(body, index, digit):
    # Weights 2..12 are all non-zero mod 23, so any single changed digit changes the sum.
    changed = body[:index] + digit + body[index + 1 :]
    assert is_valid_upn(check_letter(body) + changed) == (changed == body)


def test_a_final_letter_counts_as_its_index_so_a_and_0_share_a_check_letter():
    # The DfE rule, not a bug: "A" is worth 0 like the digit 0, "B" 1 like 1, and so on.
    assert check_letter("80120000500A") == check_letter("801200005000")
    assert check_letter("80120000500B") == check_letter("801200005001")


@given(bodies)
def test_check_letter_accepts_lower_case_body(body):
    assert check_letter(body.lower()) == check_letter(body)


def test_check_letter_refuses_a_bad_body():
    with pytest.raises(InvalidUPN):
        check_letter("80120000500")
    with pytest.raises(InvalidUPN):
        check_letter("80120000500S")


# --------------------------------------------------------------------------- temporary UPNs


def test_temporary_upn_ends_in_a_letter_that_counts_by_its_alphabet_index():
    # body 801200005 00 + "A" (index 0): 16+4+10+50 = 80; 80 mod 23 = 11 -> M
    assert check_letter("80120000500A") == "M"
    # "Z" is index 22: 80 + 22*13 = 366; 366 mod 23 = 21 -> Y
    assert check_letter("80120000500Z") == "Y"
    assert is_temporary("M80120000500A")
    assert is_temporary("y80120000500z")


def test_is_temporary_refuses_an_invalid_upn():
    with pytest.raises(InvalidUPN):
        is_temporary("A80120000500A")


# --------------------------------------------------------------------------- make_upn / parse_upn


def test_make_upn_builds_the_dfe_example():
    assert make_upn(801, 2000, 5, 1) == "B801200005001"
    assert make_upn(674, 1231, 1, 121) == "R674123101121"


@given(
    st.integers(0, 999),
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 999),
)
def test_make_upn_round_trip_permanent(la, estab, year, serial):
    upn = make_upn(la, estab, year, serial)
    assert validate_upn(upn) == upn
    assert not is_temporary(upn)
    assert parse_upn(upn) == UpnParts(la, estab, year, serial, temporary=False)


@given(st.integers(0, 999), st.integers(0, 9999), st.integers(0, 99), st.integers(0, 2299))
def test_make_upn_round_trip_temporary(la, estab, year, serial):
    upn = make_upn(la, estab, year, serial, temporary=True)
    assert validate_upn(upn) == upn
    assert is_temporary(upn)
    assert upn[-1] in CHECK_ALPHABET
    assert parse_upn(upn) == UpnParts(la, estab, year, serial, temporary=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"la": 1000, "estab": 1, "year": 1, "serial": 1},
        {"la": -1, "estab": 1, "year": 1, "serial": 1},
        {"la": 1, "estab": 10000, "year": 1, "serial": 1},
        {"la": 1, "estab": 1, "year": 100, "serial": 1},
        {"la": 1, "estab": 1, "year": 1, "serial": 1000},
        {"la": 1, "estab": 1, "year": 1, "serial": 2300, "temporary": True},
        {"la": "801", "estab": 1, "year": 1, "serial": 1},
    ],
)
def test_make_upn_refuses_out_of_range_parts(kwargs):
    with pytest.raises(ValueError):
        make_upn(**kwargs)


# --------------------------------------------------------------------------- census codes


def test_sen_provision_codes_and_labels():
    assert codes.SEN_PROVISION == (
        ("N", "No special educational need"),
        ("K", "SEN support"),
        ("E", "Education, health and care plan"),
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("N", "N"),
        ("k", "K"),
        (" E ", "E"),
        ("A", "K"),
        ("P", "K"),
        ("S", "E"),
        ("SEN support", "K"),
        ("School Action Plus", "K"),
        ("EHC Plan", "E"),
        ("EHCP", "E"),
        ("Education, Health and Care Plan", "E"),
        ("Statement", "E"),
        ("No special educational need", "N"),
    ],
)
def test_normalise_sen_provision(raw, code):
    assert codes.normalise_sen_provision(raw) == code


@pytest.mark.parametrize("raw", ["X", "", None, "support"])
def test_normalise_sen_provision_refuses_unknown(raw):
    with pytest.raises(ValueError):
        codes.normalise_sen_provision(raw)


def test_primary_need_and_ethnicity_lists_are_the_census_lists():
    assert [c for c, _ in codes.PRIMARY_NEED] == [
        "SPLD", "MLD", "SLD", "PMLD", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "SEMH", "OTH", "NSA",
    ]  # fmt: skip
    assert [c for c, _ in codes.ETHNICITY] == [
        "WBRI", "WIRI", "WIRT", "WROM", "WOTH", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN",
        "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
    ]  # fmt: skip
    assert codes.GENDER == (("M", "Male"), ("F", "Female"))
    assert codes.label_for(codes.PRIMARY_NEED, "SPLD") == "Specific learning difficulty"
    assert all(label for _, label in codes.PRIMARY_NEED + codes.ETHNICITY)


@pytest.mark.parametrize(
    ("parse", "raw", "code"),
    [
        (codes.normalise_primary_need, "spld", "SPLD"),
        (codes.normalise_primary_need, "Autistic spectrum disorder", "ASD"),
        (codes.normalise_primary_need, "BESD", "SEMH"),
        (codes.normalise_ethnicity, "wbri", "WBRI"),
        (codes.normalise_ethnicity, "White - British", "WBRI"),
        (codes.normalise_ethnicity, "Gypsy/Roma", "WROM"),
        (codes.normalise_gender, "m", "M"),
        (codes.normalise_gender, "Female", "F"),
    ],
)
def test_code_parsers_accept_codes_and_labels(parse, raw, code):
    assert parse(raw) == code


@pytest.mark.parametrize(
    ("parse", "raw"),
    [
        (codes.normalise_primary_need, "DYSL"),
        (codes.normalise_ethnicity, "WXYZ"),  # WENG is a DfE extended code now, counted as WBRI
        (codes.normalise_gender, "X"),
        (codes.normalise_gender, "U"),
        (codes.normalise_gender, ""),
    ],
)
def test_code_parsers_refuse_unknown_codes(parse, raw):
    with pytest.raises(ValueError):
        parse(raw)


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("Year 6", 6),
        ("Y6", 6),
        ("y 6", 6),
        ("6", 6),
        ("06", 6),
        ("Yr 10", 10),
        ("Year 13", 13),
        ("R", 0),
        ("Reception", 0),
        ("YR", 0),
        ("Year R", 0),
        ("N1", -2),
        ("Nursery 1", -2),
        ("N2", -1),
        ("Nursery 2", -1),
        (6, 6),
        (6.0, 6),
        (0, 0),
        (-2, -2),
    ],
)
def test_parse_year_group(raw, year):
    assert codes.parse_year_group(raw) == year


@pytest.mark.parametrize("raw", ["Year 14", "14", "X", "Nursery", "", None, 6.5, -3, True, "Year six"])
def test_parse_year_group_refuses_unknown(raw):
    with pytest.raises(ValueError):
        codes.parse_year_group(raw)


def test_year_group_labels_and_codes_round_trip():
    assert codes.YEAR_GROUPS[0] == (-2, "Nursery 1")
    assert codes.YEAR_GROUPS[2] == (0, "Reception")
    assert codes.YEAR_GROUPS[-1] == (13, "Year 13")
    for year, label in codes.YEAR_GROUPS:
        assert codes.year_group_label(year) == label
        assert codes.parse_year_group(label) == year
        assert codes.parse_year_group(codes.year_group_code(year)) == year
    assert [codes.year_group_code(y) for y in (-2, -1, 0, 1, 13)] == ["N1", "N2", "R", "1", "13"]


@pytest.mark.parametrize(
    ("language", "eal"),
    [("ENG", False), ("English", False), ("ENB", False), ("POL", True), ("Urdu", True), ("NOT", None),
     ("REF", None), ("", None), (None, None)],
)  # fmt: skip
def test_eal_from_language(language, eal):
    assert codes.eal_from_language(language) is eal
