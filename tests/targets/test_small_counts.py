"""Small counts never identify a child outside the school (DESIGN §4; issue 20, finding 6): a count under
the school's threshold is "<5" — with another cell hidden so no total gives it away — in every figure a SIP
or a trust view sees and in every dashboard export, whoever downloads it. Leaders on screen keep the real
counts (they see the names anyway)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from pupils.models import Pupil
from tests.targets.dashboard_factories import build_small_school

LOOKED_AFTER_Y6 = "/targets/dashboard/export/?table=overview&year=6&group=looked_after&format=csv"
STATUS_COLUMNS = ("Ahead", "On track", "Behind", "Well behind", "Stuck")


@pytest.fixture
def one_looked_after(school, teacher):
    """The small school, with pupil C (Year 6: on track in reading, ahead in maths) the one looked-after
    child."""
    world = build_small_school(school, teacher=teacher)
    Pupil.objects.filter(pk=world["pupils"]["C"].pk).update(looked_after=True)
    return world


def exported(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def assert_nothing_gives_the_child_away(rows: list[dict]):
    assert rows, "the export has the looked-after child's rows"
    for row in rows:
        assert row["Pupils"] == "<5"
        for status in STATUS_COLUMNS:
            assert row[f"{status} (pupils)"] in {"<5", "x"}
            assert row[f"{status} (%)"] == ""  # a share of a hidden count is hidden
            assert row[f"{status} change (% points)"] == ""
        assert "1" not in row.values()


def test_sip_export_of_a_looked_after_cohort_of_one_shows_under_5(one_looked_after, school, sip, client_as):
    rows = exported(client_as(sip, school).get(LOOKED_AFTER_Y6))
    assert_nothing_gives_the_child_away(rows)


def test_leader_export_of_a_looked_after_cohort_of_one_shows_under_5(one_looked_after, school, leader, client_as):
    rows = exported(client_as(leader, school).get(LOOKED_AFTER_Y6))
    assert_nothing_gives_the_child_away(rows)


def test_export_follows_the_schools_own_threshold(one_looked_after, school, leader, client_as):
    school.small_count_threshold = 3
    school.save(update_fields=["small_count_threshold"])
    rows = exported(client_as(leader, school).get("/targets/dashboard/export/?table=overview&format=csv"))
    y5 = next(r for r in rows if r["Year group"] == "Year 5" and r["Subject"] == "Reading")
    # Year 5 reading: 4 pupils, 3 on track and 1 behind — 4 is shown now, 1 and the zeros are not.
    assert y5["Pupils"] == "4"
    assert y5["Behind (pupils)"] == "<3"
    assert y5["On track (pupils)"] in {"x", "<3"}  # else 4 − 3 gives the one pupil away


def test_sip_overview_shows_under_5_not_the_count(one_looked_after, school, sip, client_as):
    response = client_as(sip, school).get(reverse("targets:dashboard"), {"year": 6, "group": "looked_after"})
    assert response.status_code == 200
    overview = response.context["tables"]["overview"]
    texts = [[c.text for c in row] for row in overview.rows]
    assert texts and all(row[2:] == ["<5"] * 6 for row in texts)
    body = response.content.decode()
    table = body[body.index('id="table-overview"') :]
    table = table[: table.index("</table>")]
    assert "&lt;5" in table
    assert "&lt;5 pupils in view" in body and "1 pupil in view" not in body
    assert not re.search(r"<td>1</td>|<td>1 ", table)
    assert overview.chart is None  # a hidden count is never plotted


def test_sip_overview_of_the_whole_school_hides_small_counts_and_what_would_reveal_them(
    one_looked_after, school, sip, client_as
):
    overview = client_as(sip, school).get(reverse("targets:dashboard")).context["tables"]["overview"]
    by_row = {(r[0].text, r[1].text): [c.text for c in r[2:]] for r in overview.rows}
    # Year 6 reading: 6 pupils — 1 ahead, 2 on track, 1 behind, 1 well behind, 1 stuck; Year 5: 4 pupils, so
    # Year 6's 6 is hidden too ("x"), or 10 − 6 would give Year 5's 4 away.
    assert by_row["Year 5", "Reading"] == ["<5"] * 6
    assert by_row["Year 6", "Reading"] == ["x", "<5", "<5", "<5", "<5", "<5"]
    assert by_row["All years", "Reading"] == ["10", "<5", "5 (50%)", "<5", "<5", "<5"]
    for texts in by_row.values():
        assert not any(re.fullmatch(r"[1-4]( \(.*)?", t) for t in texts)
    for dataset in (overview.chart or {"data": {"datasets": []}})["data"]["datasets"]:
        assert all(v is None or v >= 0 for v in dataset["data"])


def test_leader_on_screen_keeps_the_real_counts(one_looked_after, school, leader, client_as):
    response = client_as(leader, school).get(reverse("targets:dashboard"), {"year": 6, "group": "looked_after"})
    reading = next(r for r in response.context["tables"]["overview"].rows if r[1].text == "Reading")
    assert [c.value for c in reading[2:]] == [1, 0, 1, 0, 0, 0]


def test_sip_sees_no_small_count_in_any_panel(one_looked_after, school, sip, client_as):
    response = client_as(sip, school).get(reverse("targets:dashboard"))
    for key, table in response.context["tables"].items():
        for row in table.rows:
            for cell in row:
                if cell.header:
                    continue
                assert not re.fullmatch(r"(n=)?[1-4]( / .*)?", cell.text), (key, [c.text for c in row])
                assert not re.search(r"\bn=[0-4]\b", cell.note), (key, cell.note)
    for panel in response.context["levels"]:
        assert not re.match(r"[1-4] pupil", panel["levels"].extra["pupils_text"])
        assert panel["levels"].extra["missing"] in {0, "<5"} or panel["levels"].extra["missing"] >= 5
    assert not re.search(r"\b[1-4] pupils? (in view|stuck)", response.content.decode())


@pytest.mark.parametrize(
    "table", ["gaps", "gap-trend", "trend", "stuck", "levels-KS1-{reading}", "matrix-KS1-{reading}"]
)
def test_every_export_hides_small_counts(one_looked_after, school, leader, client_as, table):
    key = table.format(reading=one_looked_after["reading"].pk)
    rows = exported(client_as(leader, school).get(reverse("targets:dashboard_export"), {"table": key, "format": "csv"}))
    if key == "stuck":  # the leader's stuck list names pupils: a list, not a figure
        return
    for row in rows:
        for column, value in row.items():
            if "pupils" in column.lower() or column in {"Total"} or column.startswith("Now "):
                assert not re.fullmatch(r"[0-4]", value), (key, column, row)


def test_trust_view_hides_small_counts(one_looked_after, school, other_school, leader, client_as):
    from tests.schoolpl.factories import MembershipFactory

    MembershipFactory(user=leader, school=other_school, role="leader")
    response = client_as(leader, school).get(reverse("targets:trust_dashboard"))
    rows = [[c.text for c in row] for row in response.context["table"].rows]
    assert rows
    for row in rows:
        assert not any(re.fullmatch(r"[0-4]( \(.*)?", t) for t in row[2:]), row
    export = exported(client_as(leader, school).get(reverse("targets:trust_dashboard"), {"format": "csv"}))
    for row in export:
        for status in STATUS_COLUMNS:
            assert not re.fullmatch(r"[0-4]", row[f"{status} (pupils)"]), row


def test_selfreview_evidence_hides_a_small_count_of_pupils(one_looked_after, school):
    import datetime as dt

    from targets.evidence import evidence

    items = evidence(school, dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    stuck = next(i for i in items if i.label.startswith("Pupils stuck"))
    assert "<5" in stuck.value and not re.search(r"\b[1-4] of\b", stuck.value)
