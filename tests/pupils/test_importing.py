"""CSV / XLSX pupil imports: reading, default column mapping and row-by-row validation."""

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pupils.importing import (
    FIELD_NAMES,
    FIELDS,
    REQUIRED_FIELDS,
    ImportFileError,
    RowError,
    default_mapping,
    parse_date,
    parse_flag,
    read_table,
    validate_rows,
)
from pupils.upn import make_upn

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2024, 9, 2)

SIMS_HEADERS = [
    "UPN", "Legal Surname", "Legal Forename", "Preferred Forename", "DOB", "Gender", "Year", "Reg Group",
    "Admission Date", "SEN Status", "Primary Need", "EAL", "FSM Eligible", "Pupil Premium", "In Care", "G&T",
    "Ethnicity",
]  # fmt: skip
ARBOR_HEADERS = [
    "UPN", "Legal first name", "Legal last name", "Preferred first name", "Preferred last name", "Date of birth",
    "Sex", "Year group", "Registration group", "Date of admission", "Leaving date", "SEN provision",
    "Primary need", "First language", "FSM", "PP", "Looked after", "Gifted and talented", "Ethnic code",
]  # fmt: skip
HEADER = "UPN,Surname,Forename,DOB,Gender,Year Group"


def upn(serial: int) -> str:
    return make_upn(801, 2103, 19, serial)


def run(csv_text: str, **kwargs):
    headers, rows = read_table(csv_text.encode(), "pupils.csv")
    return validate_rows(rows, default_mapping(headers), headers=headers, today=TODAY, **kwargs)


def only_error(result) -> RowError:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# --------------------------------------------------------------------------- the target fields


def test_fields_are_the_pupil_import_fields():
    assert FIELD_NAMES == (
        "upn", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename", "date_of_birth",
        "gender", "year_group", "form", "admission_date", "leaving_date", "sen_provision", "primary_need", "eal",
        "fsm", "pupil_premium", "looked_after", "gifted", "ethnicity",
    )  # fmt: skip
    required = {"upn", "legal_surname", "legal_forename", "date_of_birth", "gender", "year_group"}
    assert required == REQUIRED_FIELDS


def test_no_header_alias_belongs_to_two_fields():
    seen = {}
    for field in FIELDS:
        for alias in field.aliases:
            key = "".join(ch for ch in alias.casefold() if ch.isalnum())
            assert seen.setdefault(key, field.name) == field.name, alias


# --------------------------------------------------------------------------- good files


def test_good_sims_csv():
    headers, rows = read_table((FIXTURES / "pupils_sims.csv").read_bytes(), "pupils_sims.csv")
    assert headers == SIMS_HEADERS
    assert len(rows) == 4
    mapping = default_mapping(headers)
    result = validate_rows(rows, mapping, headers=headers, today=TODAY)
    assert result.errors == []
    assert result.ok
    assert result.record_rows == [2, 3, 4, 5]
    assert result.records[0] == {
        "upn": "T801210317012",
        "legal_surname": "Hargreaves",
        "legal_forename": "Oliver",
        "preferred_forename": "Ollie",
        "date_of_birth": date(2013, 3, 14),
        "gender": "M",
        "year_group": 6,
        "form": "6H",
        "admission_date": date(2017, 9, 4),
        "sen_provision": "K",
        "primary_need": "SPLD",
        "eal": False,
        "fsm": False,
        "pupil_premium": False,
        "looked_after": False,
        "gifted": False,
        "ethnicity": "WBRI",
    }
    zofia, tyler, amelia = result.records[1:]
    assert (zofia["admission_date"], zofia["primary_need"], zofia["eal"], zofia["gifted"]) == (
        date(2017, 9, 4),
        None,
        True,
        True,
    )
    assert zofia["preferred_forename"] is None
    assert (tyler["date_of_birth"], tyler["sen_provision"], tyler["fsm"], tyler["looked_after"]) == (
        date(2012, 12, 19),
        "E",
        True,
        True,
    )
    assert tyler["legal_surname"] == "O'Neill"
    assert amelia["legal_surname"] == "Smith, Jr"
    assert amelia["year_group"] == 0
    assert amelia["sen_provision"] is None
    assert amelia["fsm"] is False


def arbor_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Students"
    sheet.append(ARBOR_HEADERS)
    sheet.append([
        "T801210317012", "Oliver", "Hargreaves", "Ollie", None, datetime(2013, 3, 14), "Male", "Year 6", "6H",
        datetime(2017, 9, 4), None, "SEN Support", "Specific learning difficulty", "English", "No", False, "N", 0,
        "WBRI",
    ])  # fmt: skip
    sheet.append([
        "E801210317031", "Zofia", "Kowalska", None, None, 41184, "Female", 6, 6, "04/09/2017",
        datetime(2024, 7, 19), "N", None, "Polish", "Yes", True, "Y", 1, "White - any other background",
    ])  # fmt: skip
    sheet.append([])  # a blank row: skipped, but it still counts in the numbering
    sheet.append([
        "U801210318004", "Tyler", "O'Neill", None, None, datetime(2012, 12, 19), "M", "Y6", "6H",
        datetime(2019, 5, 1), None, "EHC plan", "SEMH", "Information not obtained", 1, True, "Yes", None, "MWBC",
    ])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_good_arbor_xlsx():
    headers, rows = read_table(arbor_workbook(), "Students.xlsx")
    assert headers == ARBOR_HEADERS
    mapping = default_mapping(headers)
    result = validate_rows(rows, mapping, headers=headers, today=TODAY)
    assert [str(e) for e in result.errors] == [
        "Row 3, column 'Ethnic code': unknown ethnicity code 'White - any other background'"
    ]
    assert result.errors[0].field == "ethnicity"
    assert result.record_rows == [2, 5]
    oliver, tyler = result.records
    assert oliver == {
        "upn": "T801210317012",
        "legal_forename": "Oliver",
        "legal_surname": "Hargreaves",
        "preferred_forename": "Ollie",
        "preferred_surname": None,
        "date_of_birth": date(2013, 3, 14),
        "gender": "M",
        "year_group": 6,
        "form": "6H",
        "admission_date": date(2017, 9, 4),
        "leaving_date": None,
        "sen_provision": "K",
        "primary_need": "SPLD",
        "eal": False,
        "fsm": False,
        "pupil_premium": False,
        "looked_after": False,
        "gifted": False,
        "ethnicity": "WBRI",
    }
    assert tyler["sen_provision"] == "E"
    assert tyler["eal"] is None  # language not obtained
    assert (tyler["fsm"], tyler["pupil_premium"], tyler["looked_after"], tyler["gifted"]) == (True, True, True, False)


def test_xlsx_numbers_and_excel_serial_dates():
    headers, rows = read_table(arbor_workbook(), "students.XLSX")
    fixed = dict(rows[1], **{"Ethnic code": "WOTH"})
    result = validate_rows([rows[0], fixed], default_mapping(headers), headers=headers, today=TODAY)
    assert result.ok, result.errors
    zofia = result.records[1]
    assert zofia["date_of_birth"] == date(2012, 10, 2)  # Excel serial 41184
    assert zofia["form"] == "6"  # a number in the cell, text in the record
    assert zofia["year_group"] == 6
    assert zofia["eal"] is True
    assert zofia["gifted"] is True  # 1
    assert zofia["leaving_date"] == date(2024, 7, 19)


# --------------------------------------------------------------------------- bad rows, one kind at a time

GOOD_ROW = {
    "UPN": upn(1),
    "Surname": "Hargreaves",
    "Forename": "Oliver",
    "DOB": "14/03/2013",
    "Gender": "M",
    "Year Group": "6",
    "Admission Date": "04/09/2017",
    "Leaving Date": "",
    "SEN": "K",
    "Primary Need": "SPLD",
    "EAL": "N",
    "FSM": "Y",
    "Ethnicity": "WBRI",
}


def csv_of(rows) -> str:
    lines = [",".join(GOOD_ROW)]
    lines += [",".join(row[h] for h in GOOD_ROW) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("column", "value", "field", "message"),
    [
        ("UPN", "B801200005002", "upn", "check letter should be"),
        ("UPN", "B80120000500", "upn", "must be 13 characters long, not 12"),
        ("UPN", "", "upn", "UPN is required"),
        ("Surname", "  ", "legal_surname", "Legal surname is required"),
        ("Surname", "x" * 101, "legal_surname", "Legal surname is longer than 100 characters"),
        ("DOB", "31/02/2013", "date_of_birth", "'31/02/2013' is not a real date"),
        ("DOB", "14/3/13", "date_of_birth", "two-digit year"),
        ("DOB", "March 14th", "date_of_birth", "'March 14th' is not a date (use dd/mm/yyyy)"),
        ("DOB", "03/09/2024", "date_of_birth", "date of birth 03/09/2024 is in the future"),
        ("DOB", "", "date_of_birth", "Date of birth is required"),
        ("Gender", "X", "gender", "unknown gender 'X'"),
        ("Year Group", "Year 14", "year_group", "unknown year group 'Year 14'"),
        ("Admission Date", "2017/09/04", "admission_date", "is not a date"),
        ("Admission Date", "01/01/2010", "admission_date", "admission date is before the date of birth"),
        ("Leaving Date", "01/09/2016", "leaving_date", "leaving date is before the admission date"),
        ("SEN", "Q", "sen_provision", "unknown SEN provision 'Q'"),
        ("Primary Need", "DYS", "primary_need", "unknown primary need 'DYS'"),
        ("EAL", "maybe", "eal", "'maybe' is not yes or no"),
        ("FSM", "2", "fsm", "'2' is not yes or no"),
        ("Ethnicity", "WXYZ", "ethnicity", "unknown ethnicity code 'WXYZ'"),
    ],
)
def test_each_kind_of_bad_value_is_reported_at_its_row_and_column(column, value, field, message):
    rows = [dict(GOOD_ROW, UPN=upn(n)) for n in (1, 2, 3)]
    rows[1][column] = value
    result = run(csv_of(rows))
    error = only_error(result)
    assert (error.row, error.column, error.field, error.value) == (3, column, field, value)
    assert message in error.message
    assert str(error) == f"Row 3, column {column!r}: {error.message}"
    assert not result.ok
    assert result.record_rows == [2, 4]


def test_form_longer_than_the_model_allows_is_reported():
    result = run(
        f"{HEADER},Form\n{upn(1)},Lee,Sam,01/01/2015,M,4,{'x' * 21}\n{upn(2)},Lee,Kim,01/01/2015,F,4,{'y' * 20}\n"
    )
    error = only_error(result)
    assert (error.row, error.column, error.message) == (2, "Form", "Form is longer than 20 characters")


@pytest.mark.parametrize("sen", ["N", ""])
def test_primary_need_without_sen_provision_is_reported(sen):
    rows = [dict(GOOD_ROW, UPN=upn(1), SEN=sen)]
    error = only_error(run(csv_of(rows)))
    assert (error.row, error.column, error.field) == (2, "Primary Need", "primary_need")
    assert error.message == "a primary need is given but the SEN provision is not K or E"


def test_every_problem_in_every_row_is_reported():
    rows = [dict(GOOD_ROW, UPN=upn(n)) for n in range(1, 5)]
    rows[0].update({"Gender": "Q", "DOB": "1/1/1", "Ethnicity": "??"})
    rows[2].update({"UPN": "A", "Year Group": "Y99"})
    result = run(csv_of(rows))
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "DOB"),
        (2, "Gender"),
        (2, "Ethnicity"),
        (4, "UPN"),
        (4, "Year Group"),
    ]
    assert result.record_rows == [3, 5]


def test_duplicate_upn_reports_both_rows():
    rows = [dict(GOOD_ROW, UPN=upn(n)) for n in (1, 2, 3, 4)]
    rows[3]["UPN"] = upn(2).lower()  # the same UPN once normalised
    result = run(csv_of(rows))
    assert [(e.row, e.column, e.field, e.message) for e in result.errors] == [
        (3, "UPN", "upn", f"UPN {upn(2)} is also on row 5"),
        (5, "UPN", "upn", f"UPN {upn(2)} is also on row 3"),
    ]
    assert result.record_rows == [2, 4]


def test_missing_required_column_is_reported_once_on_row_1():
    text = "UPN,Surname,Forename,Gender,Year Group\n" + "".join(f"{upn(n)},Lee,Sam,M,6\n" for n in range(1, 6))
    result = run(text)
    assert [(e.row, e.column, e.field, e.value) for e in result.errors] == [(1, "", "date_of_birth", "")]
    assert "Date of birth" in result.errors[0].message and "required" in result.errors[0].message
    assert result.records == []  # a required field is missing from every row


def test_mapped_column_that_is_not_in_the_file_is_reported():
    headers, rows = read_table(f"{HEADER}\n{upn(1)},Lee,Sam,01/01/2015,M,4\n".encode(), "a.csv")
    mapping = dict(default_mapping(headers), fsm="Free Meals")
    result = validate_rows(rows, mapping, headers=headers, today=TODAY)
    assert [(e.row, e.column, e.field) for e in result.errors] == [(1, "Free Meals", "fsm")]


def test_unknown_field_in_the_mapping_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown import fields: shoe_size"):
        validate_rows([], {"shoe_size": "Shoes"})


def test_file_with_header_only_is_an_error():
    result = run(HEADER + "\n")
    assert [(e.row, e.message) for e in result.errors] == [(1, "the file has no pupil rows under the header")]


def test_one_bad_row_among_200():
    rows = [
        f"{upn(n)},Surname{n},Forename{n},{(n % 28) + 1:02d}/{(n % 12) + 1:02d}/2014,{'MF'[n % 2]},Year 5"
        for n in range(1, 201)
    ]
    rows[149] = rows[149].replace("Year 5", "Year 55")  # spreadsheet row 151
    result = run(HEADER + "\n" + "\n".join(rows) + "\n")
    error = only_error(result)
    assert (error.row, error.column, error.field, error.value) == (151, "Year Group", "year_group", "Year 55")
    assert len(result.records) == 199
    assert 151 not in result.record_rows
    assert result.record_rows[:3] == [2, 3, 4] and result.record_rows[-1] == 201


def test_blank_rows_are_skipped_and_numbering_follows_the_file():
    text = f"{HEADER}\n{upn(1)},Lee,Sam,01/01/2015,M,4\n\n,,,,,\n{upn(2)},Lee,Kim,01/01/2015,F,X\n\n\n"
    result = run(text)
    assert [(e.row, e.column) for e in result.errors] == [(5, "Year Group")]
    assert result.record_rows == [2]


def test_formula_looking_text_is_kept_as_text():
    text = f'{HEADER},Reg Group\n{upn(1)},"=HYPERLINK(""http://x"",""y"")",+44 7700,01/01/2015,M,4,@SUM(A1)\n'
    result = run(text)
    assert result.ok, result.errors
    record = result.records[0]
    assert record["legal_surname"] == '=HYPERLINK("http://x","y")'
    assert record["legal_forename"] == "+44 7700"
    assert record["form"] == "@SUM(A1)"


def test_formula_looking_text_in_xlsx_is_kept_as_text():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["UPN", "Surname", "Forename", "DOB", "Gender", "Year Group"])
    sheet.append([upn(1), "=1+1", "Sam", date(2015, 1, 1), "M", 4])
    sheet["B2"].data_type = "s"  # stored as a string cell, as an MIS export writes it
    buffer = io.BytesIO()
    workbook.save(buffer)
    headers, rows = read_table(buffer.getvalue(), "x.xlsx")
    result = validate_rows(rows, default_mapping(headers), headers=headers, today=TODAY)
    assert result.ok, result.errors
    assert result.records[0]["legal_surname"] == "=1+1"


# --------------------------------------------------------------------------- default mapping


def test_default_mapping_for_sims_style_headers():
    assert default_mapping(SIMS_HEADERS) == {
        "upn": "UPN",
        "legal_surname": "Legal Surname",
        "legal_forename": "Legal Forename",
        "preferred_forename": "Preferred Forename",
        "date_of_birth": "DOB",
        "gender": "Gender",
        "year_group": "Year",
        "form": "Reg Group",
        "admission_date": "Admission Date",
        "sen_provision": "SEN Status",
        "primary_need": "Primary Need",
        "eal": "EAL",
        "fsm": "FSM Eligible",
        "pupil_premium": "Pupil Premium",
        "looked_after": "In Care",
        "gifted": "G&T",
        "ethnicity": "Ethnicity",
    }


def test_default_mapping_for_arbor_style_headers():
    assert default_mapping(ARBOR_HEADERS) == {
        "upn": "UPN",
        "legal_surname": "Legal last name",
        "legal_forename": "Legal first name",
        "preferred_surname": "Preferred last name",
        "preferred_forename": "Preferred first name",
        "date_of_birth": "Date of birth",
        "gender": "Sex",
        "year_group": "Year group",
        "form": "Registration group",
        "admission_date": "Date of admission",
        "leaving_date": "Leaving date",
        "sen_provision": "SEN provision",
        "primary_need": "Primary need",
        "eal": "First language",
        "fsm": "FSM",
        "pupil_premium": "PP",
        "looked_after": "Looked after",
        "gifted": "Gifted and talented",
        "ethnicity": "Ethnic code",
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["SURNAME", "forename", "date_of_birth", "SEX", "NC Year Actual", "Tutor Group"],
         {"legal_surname": "SURNAME", "legal_forename": "forename", "date_of_birth": "date_of_birth",
          "gender": "SEX", "year_group": "NC Year Actual", "form": "Tutor Group"}),
        (["Surname", "Legal Surname", "First Name", "Year", "Year Group"],
         {"legal_surname": "Legal Surname", "legal_forename": "First Name", "year_group": "Year Group"}),
        (["u.p.n.", "CLA", "Gifted", "Ethnic Code", "SEN", "Form", "Date-of-Admission", "Free School Meals"],
         {"upn": "u.p.n.", "looked_after": "CLA", "gifted": "Gifted", "ethnicity": "Ethnic Code",
          "sen_provision": "SEN", "form": "Form", "admission_date": "Date-of-Admission", "fsm": "Free School Meals"}),
        (["Shoe size", "Notes"], {}),
    ],
)  # fmt: skip
def test_default_mapping_ignores_case_and_punctuation_and_prefers_the_best_alias(headers, expected):
    assert default_mapping(headers) == expected


# --------------------------------------------------------------------------- reading files


def test_csv_with_bom_semicolons_and_windows_line_ends():
    data = "\ufeffUPN;Surname;Forename;DOB;Gender;Year Group\r\n" + f"{upn(1)};Lee;Sam;01/01/2015;M;4\r\n"
    headers, rows = read_table(data.encode("utf-8"), "export.csv")
    assert headers == ["UPN", "Surname", "Forename", "DOB", "Gender", "Year Group"]
    assert rows == [
        {"UPN": upn(1), "Surname": "Lee", "Forename": "Sam", "DOB": "01/01/2015", "Gender": "M", "Year Group": "4"}
    ]


def test_tab_separated_utf16_export():
    data = f"UPN\tSurname\tForename\n{upn(1)}\tZoë\tSam\n".encode("utf-16")
    headers, rows = read_table(data, "export.txt")
    assert headers == ["UPN", "Surname", "Forename"]
    assert rows[0]["Surname"] == "Zoë"


def test_windows_1252_csv_falls_back_from_utf8():
    data = f"UPN,Surname,Forename\n{upn(1)},O\u2019Brien,Zoë\n".encode("cp1252")
    headers, rows = read_table(data, "export.csv")
    assert rows[0]["Surname"] == "O\u2019Brien"
    assert rows[0]["Forename"] == "Zoë"


def test_latin1_csv_is_read():
    data = f"UPN,Surname,Forename\n{upn(1)},Lee,Ren\x81e\n".encode("latin-1")  # 0x81: not cp1252
    _, rows = read_table(data, "export.csv")
    assert rows[0]["Forename"] == "Ren\x81e"


def test_single_column_csv():
    headers, rows = read_table(f"UPN\n{upn(1)}\n{upn(2)}\n".encode(), "upns.csv")
    assert headers == ["UPN"]
    assert [r["UPN"] for r in rows] == [upn(1), upn(2)]


def test_blank_and_repeated_headers_get_names():
    headers, rows = read_table(b"UPN,,Surname,Surname\nA,x,B,C\n", "x.csv")
    assert headers == ["UPN", "Column B", "Surname", "Surname (2)"]
    assert rows == [{"UPN": "A", "Column B": "x", "Surname": "B", "Surname (2)": "C"}]


def test_short_rows_are_padded():
    _, rows = read_table(b"UPN,Surname,Forename\nA\n", "x.csv")
    assert rows == [{"UPN": "A", "Surname": None, "Forename": None}]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "x.csv", "The file is empty"),
        (b"\n\n,,\n", "x.csv", "no header row"),
        (b"anything", "old.xls", "save the file as .xlsx or .csv"),
        (b"PK\x03\x04 not really a zip", "x.xlsx", "could not be opened"),
        (b"UPN,Surname\x00\n", "x.csv", "NUL bytes"),
    ],
)
def test_unreadable_files_are_refused(data, filename, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(data, filename)


def test_xlsx_is_recognised_by_content_when_the_name_says_nothing():
    headers, _ = read_table(arbor_workbook(), "download")
    assert headers == ARBOR_HEADERS


def test_openpyxl_reads_with_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML


def test_xlsx_with_an_entity_bomb_is_refused():
    source = zipfile.ZipFile(io.BytesIO(arbor_workbook()))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = bomb if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item, data)
    with pytest.raises(ImportFileError, match="could not be"):
        read_table(buffer.getvalue(), "bomb.xlsx")


# --------------------------------------------------------------------------- values


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_accepted_date_format_reads_back(day):
    for text in (
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.isoformat(),
        day.strftime("%d-%m-%Y"),
        day.strftime("%d.%m.%Y"),
        day.strftime("%d/%m/%Y 00:00:00"),
        day.isoformat() + "T00:00:00",
    ):
        assert parse_date(text) == day, text
    assert parse_date(day) == day
    assert parse_date(datetime(day.year, day.month, day.day, 13, 5)) == day
    if day >= date(1900, 3, 1):
        serial = (day - date(1899, 12, 30)).days
        assert parse_date(serial) == day
        assert parse_date(float(serial)) == day


@pytest.mark.parametrize("value", ["", "14/03", "2013", "14/13/2013", "1899-12-31", 0, -5, True, "41347"])
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "flag"),
    [("Y", True), ("yes", True), ("TRUE", True), ("t", True), ("1", True), (1, True), (1.0, True), (True, True),
     ("N", False), ("No", False), ("false", False), ("F", False), ("0", False), (0, False), (False, False),
     ("", False), (None, False), ("  ", False)],
)  # fmt: skip
def test_parse_flag(value, flag):
    assert parse_flag(value) is flag


@pytest.mark.parametrize("value", ["maybe", "2", 2, "yes please"])
def test_parse_flag_refuses(value):
    with pytest.raises(ValueError):
        parse_flag(value)


@pytest.mark.parametrize(
    ("language", "eal"),
    [("English", False), ("ENG", False), ("Believed to be English", False), ("Polish", True), ("URD", True),
     ("NOT", None), ("Refused", None), ("", None)],
)  # fmt: skip
def test_eal_from_a_first_language_column(language, eal):
    result = run(f"{HEADER},First Language\n{upn(1)},Lee,Sam,01/01/2015,M,4,{language}\n")
    assert result.ok, result.errors
    assert result.records[0]["eal"] is eal


def test_eal_column_with_yes_no_is_not_read_as_a_language():
    result = run(f"{HEADER},English as an Additional Language\n{upn(1)},Lee,Sam,01/01/2015,M,4,Polish\n")
    assert only_error(result).message == "'Polish' is not yes or no (use Y or N)"


def test_temporary_upn_is_accepted():
    temporary = make_upn(801, 2103, 24, 5, temporary=True)
    result = run(f"{HEADER}\n{temporary},Lee,Sam,01/01/2015,M,4\n")
    assert result.ok
    assert result.records[0]["upn"] == temporary
