import csv
import io
from datetime import date

from openpyxl import load_workbook

from schoolpl.exports import csv_bytes, safe_cell, table_response, xlsx_bytes


def test_formula_like_text_is_neutralised():
    for text in ("=1+1", "+44 7700", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Amy") == "Amy"
    assert safe_cell(-2) == -2  # numbers stay numbers
    assert safe_cell(None) == ""


def test_csv_round_trip_keeps_names_and_escapes():
    data = csv_bytes(["Name", "Note"], [["Zoë Ó'Brien", "=HYPERLINK()"]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Name", "Note"], ["Zoë Ó'Brien", "'=HYPERLINK()"]]


def test_xlsx_has_header_and_values():
    data = xlsx_bytes(["Name", "Born", "Points"], [["Ann", date(2015, 3, 1), 27]], title="Pupils")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Pupils"
    assert [c.value for c in sheet[1]] == ["Name", "Born", "Points"]
    assert sheet["A2"].value == "Ann" and sheet["C2"].value == 27


def test_table_response_names_the_file():
    response = table_response("csv", "Year 6 pupils", ["a"], [[1]])
    assert response["Content-Disposition"].startswith('attachment; filename="year-6-pupils-')
    assert response["Content-Type"].startswith("text/csv")


def test_xlsx_sheet_title_drops_characters_excel_forbids():
    # A year such as "2025/26" in the title used to make openpyxl raise (a 500 on every groups export).
    data = xlsx_bytes(["a"], [[1]], title="Teaching groups 2025/26 [Y6]: maths*?\\ and a long tail")
    title = load_workbook(io.BytesIO(data)).active.title
    assert not set(title) & set("[]:*?/\\")
    assert len(title) <= 31
    assert title.startswith("Teaching groups 202526 Y6 math")


def test_xlsx_sheet_title_of_only_forbidden_characters_falls_back():
    data = xlsx_bytes(["a"], [[1]], title="//::")
    assert load_workbook(io.BytesIO(data)).active.title == "Export"
