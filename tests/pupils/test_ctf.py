"""Reading and writing Common Transfer Files."""

import re
import string
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pupils.ctf import (
    CtfContact,
    CtfError,
    CtfFile,
    CtfFsm,
    CtfHeader,
    CtfLanguage,
    CtfPupil,
    CtfSchool,
    CtfSen,
    CtfSenNeed,
    CtfStageAssessment,
    build_ctf,
    check_destination,
    parse_ctf,
)
from pupils.ctf import safe_xml as ctf_module
from pupils.upn import make_upn

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = (FIXTURES / "good_ctf.xml").read_bytes()


def good_with(old: str, new: str, count: int = 1) -> bytes:
    text = GOOD.decode()
    assert text.count(old) >= count, old
    return text.replace(old, new, count).encode()


@pytest.fixture(scope="module")
def good() -> CtfFile:
    return parse_ctf(GOOD)


# --------------------------------------------------------------------------- the good file


def test_good_file_header(good):
    assert good.header == CtfHeader(
        source_school=CtfSchool("801", "2103", "109001", "Westfield Primary School"),
        dest_school=CtfSchool("801", "4002", "137720", "Hillcrest Academy"),
        document_name="Common Transfer File",
        ctf_version="24.0",
        date_time=datetime(2024, 7, 15, 16, 42, 7),
    )
    assert good.header.dest_school.code == "801/4002"
    assert good.problems == ()
    assert [p.upn for p in good.pupils] == ["T801210317012", "E801210317031", "F873205018004"]


def test_good_file_pupil_with_sen_support_and_ks1_results(good):
    oliver = good.pupils[0]
    assert oliver.position == 1
    assert (oliver.surname, oliver.forename, oliver.preferred_forename, oliver.middle_names) == (
        "Hargreaves",
        "Oliver",
        "Ollie",
        "James",
    )
    assert oliver.preferred_surname is None
    assert oliver.date_of_birth == date(2013, 3, 14)
    assert oliver.gender == "M"
    assert oliver.year_group == 6
    assert oliver.ethnicity == "WBRI"
    assert oliver.languages == (CtfLanguage("F", "ENG"),)
    assert oliver.first_language == "ENG"
    assert oliver.eal is False
    assert oliver.sen_history == (CtfSen(date(2019, 11, 4), "K"),)
    assert oliver.sen_needs == (CtfSenNeed("SPLD", 1),)
    assert oliver.sen_provision == "K"
    assert oliver.primary_need == "SPLD"
    assert oliver.in_care is None
    assert oliver.fsm_history == ()
    assert oliver.fsm_current is False
    assert oliver.contacts == (
        CtfContact(
            surname="Hargreaves",
            forename="Claire",
            relationship="PAR",
            responsibility=True,
            email="claire.hargreaves@example.org",
            title="Mrs",
            order=1,
            phones=("07700 900123",),
        ),
    )
    ks1 = {a.subject: a for a in oliver.assessments}
    assert set(ks1) == {"REA", "WRI", "MAT"}
    assert ks1["MAT"] == CtfStageAssessment(
        stage="KS1",
        locale="ENG",
        year=2019,
        subject="MAT",
        method="TA",
        component="TA",
        result_status="F",
        result="EXS",
        result_qualifier="WA",
        result_date=date(2019, 6, 28),
    )
    assert ks1["REA"].result == ks1["WRI"].result == "WTS"


def test_good_file_eal_pupil_with_ks2_results(good):
    zofia = good.pupils[1]
    assert (zofia.position, zofia.surname, zofia.forename, zofia.gender) == (2, "Kowalska", "Zofia", "F")
    assert zofia.date_of_birth == date(2012, 10, 2)
    assert zofia.ethnicity == "WOTH"
    assert zofia.languages == (CtfLanguage("F", "POL"), CtfLanguage("H", "POL"))
    assert zofia.first_language == "POL"
    assert zofia.eal is True
    assert zofia.sen_history == () and zofia.sen_provision is None and zofia.primary_need is None
    assert [(a.stage, a.subject, a.component, a.result) for a in zofia.assessments] == [
        ("KS2", "REA", "SCALED", "104"),
        ("KS2", "MAT", "SCALED", "111"),
        ("KS2", "WRI", "TA", "EXS"),
    ]
    assert zofia.assessments[0].result_qualifier == "SS"
    assert zofia.assessments[0].method == "TT"
    assert zofia.assessments[0].year == 2024
    assert zofia.assessments[0].result_date == date(2024, 7, 9)


def test_good_file_looked_after_pupil_with_fsm_history(good):
    tyler = good.pupils[2]
    assert (tyler.surname, tyler.forename) == ("O'Neill", "Tyler")
    assert tyler.former_upn == "B801200005001"
    assert tyler.ethnicity == "MWBC"
    assert tyler.in_care is True
    assert tyler.care_authority == "873"
    assert tyler.fsm_history == (
        CtfFsm(date(2018, 9, 3), date(2020, 3, 31), "ENG"),
        CtfFsm(date(2021, 1, 11), None, "ENG"),
    )
    assert tyler.fsm_current is True
    assert tyler.contacts == () and tyler.assessments == ()


def test_pupil_data_is_immutable(good):
    with pytest.raises(AttributeError):
        good.pupils[0].upn = "B801200005001"
    assert hash(good) == hash(parse_ctf(GOOD))


# --------------------------------------------------------------------------- refusing bad files


def test_malformed_xml_is_refused_with_its_line():
    with pytest.raises(CtfError) as excinfo:
        parse_ctf((FIXTURES / "malformed_ctf.xml").read_bytes())
    message = str(excinfo.value)
    assert message.startswith("The file is not well-formed XML")
    assert "line 10" in message
    assert "Surname" in message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CTfile><Header><DocumentName>&lol9;</DocumentName></Header></CTfile>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CTfile><Header><DocumentName>&xxe;</DocumentName></Header><CTFpupilData/></CTfile>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile SYSTEM "http://example.invalid/ctf.dtd">
<CTfile><Header><DocumentName>x</DocumentName></Header></CTfile>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["laughs", "xxe", "dtd"])
def test_doctype_and_entities_are_refused(data):
    with pytest.raises(CtfError, match="DOCTYPE or entity"):
        parse_ctf(data)


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["laughs", "xxe", "dtd"])
def test_doctype_is_refused_even_past_the_byte_scan(monkeypatch, data):
    # The hardened parser and the DOCTYPE check behind the byte scan hold on their own.
    monkeypatch.setattr(ctf_module, "_DOCTYPE_OR_ENTITY", re.compile(rb"(?!)"))
    with pytest.raises(CtfError) as excinfo:
        parse_ctf(data)
    assert "root:" not in str(excinfo.value)  # nothing from /etc/passwd leaked into a message


def test_hardened_parser_never_reads_an_external_dtd(tmp_path):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY foo "secret">')
    doc = f'<!DOCTYPE CTfile SYSTEM "{dtd.as_uri()}"><CTfile>&foo;</CTfile>'.encode()
    assert b"secret" not in etree.tostring(etree.fromstring(doc, ctf_module._parser()))
    # Reading /dev/zero as a DTD fails with "Content error in the external subset": it must not be read.
    etree.fromstring(b'<!DOCTYPE CTfile SYSTEM "file:///dev/zero"><CTfile/>', ctf_module._parser())


def test_doctype_in_utf16_is_refused():
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><CTfile><Header/></CTfile>'
    with pytest.raises(CtfError, match="DOCTYPE or entity"):
        parse_ctf(text.encode("utf-16"))


def test_undeclared_entity_is_malformed():
    with pytest.raises(CtfError, match="line 1"):
        parse_ctf(b"<CTfile><Header><DocumentName>&lol;</DocumentName></Header></CTfile>")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<Census><Header/></Census>", "not a Common Transfer File: it starts with <Census>"),
        (b"<CTfile><CTFpupilData/></CTfile>", "no Header"),
        (b"PK\x03\x04 not xml", "not well-formed XML"),
    ],
)
def test_files_that_are_not_ctfs_are_refused(data, message):
    with pytest.raises(CtfError, match=re.escape(message)):
        parse_ctf(data)


def test_oversized_file_is_refused(monkeypatch):
    monkeypatch.setattr(ctf_module, "MAX_CTF_BYTES", 1000)
    with pytest.raises(CtfError, match="too big"):
        parse_ctf(GOOD)


def test_ctf_error_is_a_value_error():
    assert issubclass(CtfError, ValueError)


# --------------------------------------------------------------------------- destination


def test_destination_matches(good):
    check_destination(good, "801", "4002")
    check_destination(good, 801, 4002)


@pytest.mark.parametrize(("la", "estab"), [("801", "2103"), ("802", "4002"), (801, 402)])
def test_wrong_destination_is_refused(good, la, estab):
    with pytest.raises(CtfError) as excinfo:
        check_destination(good, la, estab)
    assert str(excinfo.value) == "This file is for school 801/4002, not this school."


def test_unaddressed_file_needs_permission():
    unaddressed = parse_ctf(good_with("<LEA>801</LEA>\n      <Estab>4002</Estab>", "<LEA>MMM</LEA><Estab>MMMM</Estab>"))
    with pytest.raises(CtfError, match="for school MMM/MMMM"):
        check_destination(unaddressed, "801", "4002")
    check_destination(unaddressed, "801", "4002", allow_unaddressed=True)


def test_file_without_destination_is_refused():
    no_dest = parse_ctf(b"<CTfile><Header><DocumentName>Common Transfer File</DocumentName></Header></CTfile>")
    assert no_dest.header.dest_school is None and no_dest.pupils == ()
    with pytest.raises(CtfError, match="does not say which school"):
        check_destination(no_dest, "801", "4002")


# --------------------------------------------------------------------------- pupil problems


def test_invalid_upn_is_reported_not_dropped_silently():
    result = parse_ctf(good_with("<UPN>E801210317031</UPN>", "<UPN>A801210317031</UPN>"))
    assert [p.upn for p in result.pupils] == ["T801210317012", "F873205018004"]
    assert [p.position for p in result.pupils] == [1, 3]
    assert result.problems == (
        "Pupil 2 (KOWALSKA, Zofia): UPN: A801210317031 has the wrong check letter: "
        "check letter should be E (pupil skipped)",
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("<UPN>E801210317031</UPN>", "", "Pupil 2 (KOWALSKA, Zofia): UPN: missing (pupil skipped)"),
        ("<DOB>2012-10-02</DOB>", "<DOB>02/10/2012</DOB>", "DOB: '02/10/2012' is not a date"),
        ("<DOB>2012-10-02</DOB>", "<DOB>2012-02-30</DOB>", "DOB: '2012-02-30' is not a real date"),
        ("<Gender>F</Gender>\n      <BasicDetails>", "<Gender>U</Gender><BasicDetails>", "Gender: unknown gender 'U'"),
        ("<Forename>Zofia</Forename>", "<Forename> </Forename>", "Pupil 2 (KOWALSKA): Forename: missing"),
    ],
)
def test_pupil_without_usable_identity_is_skipped_and_reported(old, new, problem):
    result = parse_ctf(good_with(old, new))
    assert [p.position for p in result.pupils] == [1, 3]
    assert len(result.problems) == 1
    assert problem in result.problems[0]
    assert result.problems[0].startswith("Pupil 2 (")
    assert result.problems[0].endswith("(pupil skipped)")


@pytest.mark.parametrize(
    ("old", "new", "attribute", "value", "problem"),
    [
        ("<Ethnicity>WOTH</Ethnicity>", "<Ethnicity>WPOL</Ethnicity>", "ethnicity", None, "Ethnicity: unknown"),
        ("<NCyearActual>6</NCyearActual>\n        <Ethnicity>WOTH", "<NCyearActual>X</NCyearActual><Ethnicity>WOTH",
         "year_group", None, "NCyearActual: unknown year group 'X'"),
        ("<Year>2024</Year>", "<Year>twenty</Year>", "assessments", None, "StageAssessment[1]/Year"),
    ],
)  # fmt: skip
def test_bad_optional_value_is_dropped_and_reported(old, new, attribute, value, problem):
    result = parse_ctf(good_with(old, new))
    zofia = next(p for p in result.pupils if p.position == 2)
    if attribute == "assessments":
        assert zofia.assessments[0].year is None and zofia.assessments[0].result == "104"
    else:
        assert getattr(zofia, attribute) is value
    assert len(result.problems) == 1
    assert result.problems[0].startswith("Pupil 2 (KOWALSKA, Zofia): ")
    assert problem in result.problems[0]
    assert "skipped" not in result.problems[0]


def test_bad_fsm_dates_are_reported_and_the_entry_left_out():
    result = parse_ctf(good_with("<FSMendDate>2020-03-31</FSMendDate>", "<FSMendDate>2017-03-31</FSMendDate>"))
    tyler = result.pupils[2]
    assert tyler.fsm_history == (CtfFsm(date(2021, 1, 11), None, "ENG"),)
    assert result.problems == (
        "Pupil 3 (O'NEILL, Tyler): FSMhistory/FSMinstance[1]: ends (2017-03-31) before it starts (2018-09-03)",
    )


def test_duplicate_upns_skip_both_pupils():
    result = parse_ctf(good_with("<UPN>E801210317031</UPN>", "<UPN>T801210317012</UPN>"))
    assert [p.position for p in result.pupils] == [3]
    assert result.problems == (
        "Pupil 1 (HARGREAVES, Oliver): UPN: T801210317012 is also the UPN of pupil 2 (pupil skipped)",
        "Pupil 2 (KOWALSKA, Zofia): UPN: T801210317012 is also the UPN of pupil 1 (pupil skipped)",
    )


def test_every_problem_of_one_pupil_is_listed():
    data = good_with("<UPN>E801210317031</UPN>", "<UPN>E80121031703</UPN>")
    data = data.replace(b"<Ethnicity>WOTH</Ethnicity>", b"<Ethnicity>??</Ethnicity>")
    result = parse_ctf(data)
    assert len(result.pupils) == 2
    assert len(result.problems) == 2
    assert all(p.startswith("Pupil 2 (KOWALSKA, Zofia): ") for p in result.problems)


# --------------------------------------------------------------------------- tolerated variations


def test_namespaced_file_is_read():
    data = good_with("<CTfile>", '<CTfile xmlns="urn:example:ctf">')
    result = parse_ctf(data)
    assert result == parse_ctf(GOOD)


def test_sex_element_is_read_as_gender():
    result = parse_ctf(good_with("<Gender>F</Gender>\n      <BasicDetails>", "<Sex>F</Sex><BasicDetails>"))
    assert result.pupils[1].gender == "F"
    assert result.problems == ()


def test_sen_needs_inside_sen_and_legacy_history():
    sen = """<SENhistory>
        <SEN><StartDate>2013-01-07</StartDate><SENprovision>A</SENprovision></SEN>
        <SEN><StartDate>2016-02-01</StartDate><SENprovision>E</SENprovision>
          <SENneeds><SENneed><SENtypeRank>2</SENtypeRank><SENtype>BESD</SENtype></SENneed>
                    <SENneed><SENtypeRank>1</SENtypeRank><SENtype>asd</SENtype></SENneed></SENneeds>
        </SEN>
        <SEN><StartDate>2014-09-01</StartDate><SENprovision>P</SENprovision></SEN>
      </SENhistory>
      <LookedAfter>"""
    result = parse_ctf(good_with("<LookedAfter>", sen))
    tyler = result.pupils[2]
    assert [s.provision for s in tyler.sen_history] == ["A", "E", "P"]
    assert [s.census_provision for s in tyler.sen_history] == ["K", "E", "K"]
    assert tyler.sen_provision == "E"  # the latest by start date, not the last in the file
    assert tyler.sen_needs == (CtfSenNeed("BESD", 2), CtfSenNeed("ASD", 1))
    assert tyler.primary_need == "ASD"
    assert result.problems == ()


def test_missing_optional_parts_are_fine():
    minimal = b"""<CTfile><Header><DestSchool><LEA>801</LEA><Estab>4002</Estab></DestSchool></Header>
      <CTFpupilData><Pupil><UPN>b801200005001</UPN><Surname>Lee</Surname><Forename>Sam</Forename>
      <DOB>2015-05-05</DOB><Gender>m</Gender></Pupil></CTFpupilData></CTfile>"""
    result = parse_ctf(minimal)
    assert result.problems == ()
    assert result.header.source_school is None
    assert result.pupils == (CtfPupil(1, "B801200005001", "Lee", "Sam", date(2015, 5, 5), "M"),)
    check_destination(result, "801", "4002")


# --------------------------------------------------------------------------- writing


def test_build_then_parse_gives_back_the_good_file(good):
    assert parse_ctf(build_ctf(good.header, good.pupils)) == good


def test_built_file_is_utf8_xml_with_the_dfe_structure(good):
    data = build_ctf(good.header, good.pupils)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"<CTfile>" in data and b"<CTFpupilData>" in data
    assert b"<Languages>\n" in data and b"<Type>" in data
    assert data.count(b"<KeyStage>") == 2


names = st.text(alphabet=string.ascii_letters + "' -", max_size=18).map(lambda middle: f"A{middle}z")
optional_names = st.none() | names
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def pupils(draw, position):
    start = draw(dates)
    return CtfPupil(
        position=position,
        upn=make_upn(draw(st.integers(201, 938)), draw(st.integers(1000, 7999)), 20, position),
        surname=draw(names),
        forename=draw(names),
        date_of_birth=draw(dates),
        gender=draw(st.sampled_from("MF")),
        preferred_surname=draw(optional_names),
        preferred_forename=draw(optional_names),
        year_group=draw(st.none() | st.integers(-2, 13)),
        ethnicity=draw(st.none() | st.sampled_from(["WBRI", "AIND", "NOBT"])),
        languages=tuple(draw(st.lists(st.builds(CtfLanguage, st.sampled_from("FH"), st.sampled_from(["ENG", "URD"])),
                                      max_size=2))),
        in_care=draw(st.none() | st.booleans()),
        fsm_history=(CtfFsm(start, draw(st.none() | st.just(start))),),
        sen_history=tuple(draw(st.lists(st.builds(CtfSen, dates, st.sampled_from("NKEAPS")), max_size=2))),
        sen_needs=tuple(draw(st.lists(st.builds(CtfSenNeed, st.sampled_from(["SPLD", "ASD"]), st.integers(1, 3)),
                                      max_size=2))),
        contacts=(CtfContact(draw(optional_names), draw(optional_names), "PAR", draw(st.booleans()), order=1),),
        assessments=(CtfStageAssessment("KS2", "ENG", 2024, "MAT", "TT", "SCALED", "F", "104", "SS", start),),
    )  # fmt: skip


@settings(max_examples=50)
@given(st.data())
def test_build_then_parse_round_trip(data):
    count = data.draw(st.integers(0, 4))
    people = tuple(data.draw(pupils(position)) for position in range(1, count + 1))
    header = CtfHeader(CtfSchool("801", "2103"), CtfSchool("801", "4002", name="Hillcrest & Co <Academy>"),
                       ctf_version="24.0", date_time=datetime(2024, 7, 15, 9, 0, 0))  # fmt: skip
    result = parse_ctf(build_ctf(header, people))
    assert result.problems == ()
    assert result.header == header
    assert result.pupils == people


def test_build_refuses_text_xml_cannot_hold(good):
    bad = CtfPupil(1, "B801200005001", "Lee\x00", "Sam", date(2015, 5, 5), "M")
    with pytest.raises(CtfError, match="Cannot write the CTF"):
        build_ctf(good.header, [bad])
