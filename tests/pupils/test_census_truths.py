"""Extended ethnicity codes counted as their main census code, and pupil premium derived from Ever 6 FSM and
looked-after status (issue 14, "smaller truths found by hand")."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from pupils import codes, premium, services
from pupils.ctf import parse_ctf
from pupils.importing import default_mapping, read_table, validate_rows
from pupils.models import Pupil
from pupils.upn import make_upn
from tests.pupils.factories import PupilFactory
from tests.schoolpl.factories import SchoolFactory

GOOD_CTF = (Path(__file__).parent / "fixtures" / "good_ctf.xml").read_text()
TYLER = "F873205018004"  # the fixture's looked-after pupil with an FSM history, ethnicity MWBC
ZOFIA = "E801210317031"  # ethnicity WOTH, no FSM history, not looked after


def ctf_with(*replacements: tuple[str, str]) -> bytes:
    text = GOOD_CTF
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode()


# --------------------------------------------------------------------------- extended ethnicity codes


@pytest.mark.parametrize(
    ("given", "main"),
    [
        ("BSOM", "BAFR"),  # Somali → Black African
        ("WSCO", "WBRI"),  # Scottish → White British
        ("WIRT", "WIRT"),  # Traveller of Irish heritage is itself a main code
        ("wcor", "WBRI"),
        ("AMPK", "APKN"),
        ("MWAP", "MWAS"),
        ("WROG", "WROM"),
        ("CHKC", "CHNE"),
        ("OVIE", "OOTH"),
        ("Somali", "BAFR"),  # an extended label
    ],
)
def test_an_extended_code_is_counted_as_its_main_code(given, main):
    assert codes.normalise_ethnicity(given) == main


def test_every_extended_code_maps_to_a_main_code_and_none_is_a_main_code():
    main = dict(codes.ETHNICITY)
    extended = [code for code, _, _ in codes.EXTENDED_ETHNICITY]
    assert len(extended) == len(set(extended))
    for code, label, to in codes.EXTENDED_ETHNICITY:
        assert to in main and code not in main and len(code) == 4 and label
        assert codes.main_ethnicity(code) == to
    assert codes.main_ethnicity("WPOL") is None


def test_unknown_codes_are_still_refused():
    with pytest.raises(ValueError, match="unknown ethnicity"):
        codes.normalise_ethnicity("XXXX")


def test_a_ctf_with_an_extended_code_reads_the_main_code_and_keeps_the_extended_one():
    ctf = parse_ctf(ctf_with(("<Ethnicity>WOTH</Ethnicity>", "<Ethnicity>BSOM</Ethnicity>")))
    zofia = next(p for p in ctf.pupils if p.upn == ZOFIA)
    assert (zofia.ethnicity, zofia.ethnicity_extended) == ("BAFR", "BSOM")
    assert ctf.problems == ()
    main = next(p for p in ctf.pupils if p.upn == TYLER)
    assert (main.ethnicity, main.ethnicity_extended) == ("MWBC", None)


@pytest.fixture
def hillcrest(db):
    return SchoolFactory(name="Hillcrest Academy", la_code="801", estab="4002")


def test_a_ctf_pupil_with_bsom_imports_as_black_african(hillcrest):
    ctf = parse_ctf(ctf_with(("<Ethnicity>WOTH</Ethnicity>", "<Ethnicity>BSOM</Ethnicity>")))
    services.pupil_import_ctf(school=hillcrest, ctf=ctf)
    assert Pupil.objects.get(upn=ZOFIA).ethnicity == "BAFR"


def test_a_csv_with_extended_codes_imports_their_main_codes():
    header = "UPN,Legal Surname,Legal Forename,DOB,Gender,Year,Ethnicity"
    rows = [
        f"{make_upn(801, 2103, 19, n)},Smith,Pupil{n},14/03/2013,F,6,{code}"
        for n, code in enumerate(["WSCO", "BSOM", "WIRT"], start=1)
    ]
    headers, table = read_table("\n".join([header, *rows]).encode(), "pupils.csv")
    result = validate_rows(table, default_mapping(headers), headers=headers, today=date(2026, 11, 1))
    assert result.ok, result.errors
    assert [r["ethnicity"] for r in result.records] == ["WBRI", "BAFR", "WIRT"]


# --------------------------------------------------------------------------- pupil premium: the rule

TODAY = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("fsm", "fsm_last", "looked_after", "basis"),
    [
        (False, date(2021, 11, 1), False, premium.EVER6),  # FSM ended five years ago → eligible
        (False, date(2020, 11, 1), False, premium.EVER6),  # exactly six years ago still counts
        (False, date(2019, 11, 1), False, None),  # seven years ago only → not
        (True, None, False, premium.EVER6),  # FSM now
        (False, None, True, premium.LOOKED_AFTER),
        (False, None, False, None),
    ],
)
def test_pupil_premium_basis(fsm, fsm_last, looked_after, basis):
    assert premium.pupil_premium_basis(fsm=fsm, fsm_last=fsm_last, looked_after=looked_after, today=TODAY) == basis


def test_fsm_last_recorded_from_periods():
    periods = [(date(2015, 9, 1), date(2016, 7, 20)), (date(2018, 1, 1), date(2019, 3, 31)), (None, date(2025, 1, 1))]
    assert premium.fsm_last_recorded(periods, TODAY) == date(2019, 3, 31)
    assert premium.fsm_last_recorded([(date(2024, 1, 1), None)], TODAY) == TODAY
    assert premium.fsm_last_recorded([], TODAY) is None
    assert premium.ever6_cutoff(date(2028, 2, 29)) == date(2022, 2, 28)


# --------------------------------------------------------------------------- pupil premium: on import


def _years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def _zofia_with_fsm(ended: date) -> bytes:
    """Zofia (not looked after, no FSM history in the fixture) with one FSM period that ended on ``ended``."""
    history = (
        "<FSMhistory><FSMinstance><FSMstartDate>2010-09-01</FSMstartDate>"
        f"<FSMendDate>{ended.isoformat()}</FSMendDate></FSMinstance></FSMhistory></BasicDetails>"
    )
    text = GOOD_CTF
    start = text.index(f"<UPN>{ZOFIA}</UPN>")
    end = text.index("</BasicDetails>", start)
    return (text[:end] + history + text[end + len("</BasicDetails>") :]).encode()


def test_fsm_five_years_ago_in_a_ctf_gives_pupil_premium(hillcrest):
    ended = _years_ago(5)
    services.pupil_import_ctf(school=hillcrest, ctf=parse_ctf(_zofia_with_fsm(ended)))
    zofia = Pupil.objects.get(upn=ZOFIA)
    assert (zofia.fsm, zofia.fsm_last_recorded, zofia.pupil_premium) == (False, ended, True)
    assert zofia.pupil_premium_reason() == premium.EVER6


def test_fsm_seven_years_ago_only_gives_no_pupil_premium(hillcrest):
    services.pupil_import_ctf(school=hillcrest, ctf=parse_ctf(_zofia_with_fsm(_years_ago(7))))
    zofia = Pupil.objects.get(upn=ZOFIA)
    assert (zofia.fsm, zofia.pupil_premium) == (False, False)
    assert zofia.pupil_premium_reason() == ""


def test_a_looked_after_pupil_in_a_ctf_gets_pupil_premium(hillcrest):
    # Tyler's FSM is open in the fixture: close it long ago so only looked-after status counts.
    ctf = parse_ctf(
        ctf_with(
            (
                "<FSMstartDate>2021-01-11</FSMstartDate>",
                "<FSMstartDate>2011-01-11</FSMstartDate><FSMendDate>2012-01-01</FSMendDate>",
            ),
            ("<FSMendDate>2020-03-31</FSMendDate>", "<FSMendDate>2010-03-31</FSMendDate>"),
            ("<FSMstartDate>2018-09-03</FSMstartDate>", "<FSMstartDate>2008-09-03</FSMstartDate>"),
        )
    )
    services.pupil_import_ctf(school=hillcrest, ctf=ctf)
    tyler = Pupil.objects.get(upn=TYLER)
    assert (tyler.fsm, tyler.looked_after, tyler.pupil_premium) == (False, True, True)
    assert tyler.pupil_premium_reason() == premium.LOOKED_AFTER


def test_a_ctf_never_clears_a_pupil_premium_the_school_recorded(hillcrest):
    PupilFactory(
        school=hillcrest,
        upn=ZOFIA,
        legal_surname="Kowalska",
        legal_forename="Zofia",
        date_of_birth=date(2012, 10, 2),
        gender="F",
        pupil_premium=True,
    )
    services.pupil_import_ctf(school=hillcrest, ctf=parse_ctf(_zofia_with_fsm(_years_ago(7))))
    pupil = Pupil.objects.get(upn=ZOFIA)
    assert (pupil.fsm, pupil.pupil_premium) == (False, True)
    assert pupil.pupil_premium_reason() == premium.RECORDED


def test_a_csv_with_fsm_or_looked_after_gives_pupil_premium(db):
    school = SchoolFactory()
    header = "UPN,Legal Surname,Legal Forename,DOB,Gender,Year,FSM Eligible,In Care"
    rows = [
        f"{make_upn(801, 2103, 19, 1)},Smith,Fsm,14/03/2013,F,6,Y,N",
        f"{make_upn(801, 2103, 19, 2)},Smith,Lac,14/03/2013,F,6,N,Y",
        f"{make_upn(801, 2103, 19, 3)},Smith,None,14/03/2013,F,6,N,N",
    ]
    headers, table = read_table("\n".join([header, *rows]).encode(), "pupils.csv")
    result = validate_rows(table, default_mapping(headers), headers=headers, today=date(2026, 11, 1))
    assert result.ok, result.errors
    services.pupil_import_commit(school=school, records=result.records)
    premium_by_name = dict(Pupil.objects.values_list("legal_forename", "pupil_premium"))
    assert premium_by_name == {"Fsm": True, "Lac": True, "None": False}


# --------------------------------------------------------------------------- pupil premium: on the profile


def test_the_profile_says_why_a_pupil_has_pupil_premium(client_as, leader, school):
    pupil = PupilFactory(school=school, fsm=True, pupil_premium=True)
    page = client_as(leader, school).get(reverse("pupils:detail", args=[pupil.pk])).content.decode()
    assert "FSM in the last six years (Ever 6)" in page
