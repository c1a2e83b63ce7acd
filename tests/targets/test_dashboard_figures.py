"""Every panel's figures for the hand-built school of ``dashboard_factories`` (worked out by hand there)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from django.urls import reverse

from assessment import analytics
from pupils.models import Pupil
from targets.dashboard.drill import Drill, drill_down
from targets.dashboard.frames import CHARACTERISTICS, Filters, characteristic, trend_windows
from targets.dashboard.gaps import GAP_GROUPS, gap_frame, gaps, group_means
from targets.dashboard.levels import levels_panels
from targets.dashboard.loader import load_frames
from targets.dashboard.overview import overview
from targets.dashboard.policy import expected_levels
from targets.dashboard.stuck import stuck_list
from targets.dashboard.tables import MIN_SIZE, ON_TRACK_OR_AHEAD
from targets.dashboard.trends import gap_trends, trends
from tests.targets.dashboard_factories import build_small_school, vary_baselines

TODAY = dt.date(2025, 10, 1)


@pytest.fixture
def small(school, teacher):
    return build_small_school(school, teacher=teacher)


def frames_for(school, **filters):
    return load_frames(school, Pupil.objects.in_school(school), Filters(**filters), names=True, today=TODAY)


def row_for(table, *first):
    """The row whose leading cells' texts are ``first``."""
    for row in table.rows:
        if tuple(c.text for c in row[: len(first)]) == first:
            return row
    raise AssertionError(f"no row {first} in {[[c.text for c in r[:2]] for r in table.rows]}")


def test_windows_default_to_the_latest_started_with_previous_and_year_ago(small, school):
    frames = frames_for(school)
    assert frames.window["name"] == "Autumn 2025"
    assert frames.previous["name"] == "Summer 2025"
    assert frames.year_ago["name"] == "Autumn 2024"


def test_overview_counts_shares_and_change_since_previous_window(small, school):
    table = overview(frames_for(school))
    y6 = row_for(table, "Year 6", "Reading")
    # ahead E; on track C, D; behind F; well behind B; stuck A — of 6
    assert [c.value for c in y6[2:]] == [6, 1, 2, 1, 1, 1]
    assert [c.text for c in y6[3:]] == ["1 (17%)", "2 (33%)", "1 (17%)", "1 (17%)", "1 (17%)"]
    export = table.export_rows[table.rows.index(y6)]
    # per status: count, %, change in percentage points since Summer 2025 (0, 4, 1, 0, 1 of 6)
    assert export[3:] == [1, 16.7, 16.7, 2, 33.3, -33.3, 1, 16.7, 0.0, 1, 16.7, 16.7, 1, 16.7, 0.0]
    everyone = row_for(table, "All years", "Reading")
    assert [c.value for c in everyone[2:]] == [10, 1, 5, 2, 1, 1]
    assert table.export_rows[table.rows.index(everyone)][3:] == [
        1, 10.0, 10.0, 5, 50.0, -30.0, 2, 20.0, 10.0, 1, 10.0, 10.0, 1, 10.0, 0.0,
    ]  # fmt: skip
    maths = row_for(table, "Year 6", "Mathematics")
    assert [c.value for c in maths[2:]] == [6, 1, 3, 1, 0, 1]


def test_overview_shows_the_size_of_a_small_year_group_without_percentages(small, school):
    table = overview(frames_for(school))
    y5 = row_for(table, "Year 5", "Reading")
    assert [c.value for c in y5[2:]] == [4, 0, 3, 1, 0, 0]
    assert y5[2].note == "fewer than 5 pupils"
    assert [c.text for c in y5[3:]] == ["0", "3", "1", "0", "0"]
    export = table.export_rows[table.rows.index(y5)]
    assert export[4] is None and export[5] is None  # ahead % and change suppressed


def test_overview_counts_link_to_their_pupils(small, school, client_as, leader):
    response = client_as(leader, school).get(reverse("targets:dashboard"))
    stuck = next(
        c
        for c in row_for(response.context["tables"]["overview"], "Year 6", "Reading")[3:]
        if c.drill["status"] == "stuck"
    )
    listing = client_as(leader, school).get(stuck.href)
    assert [r[0].text for r in listing.context["table"].rows] == ["Amelia Archer"]


def test_levels_of_progress_and_transition_matrix_from_ks1(small, school):
    (panel,) = levels_panels(frames_for(school))
    assert (panel["ks"], panel["subject"]["name"]) == ("KS1", "Reading")
    levels = panel["levels"]
    # whole levels KS1 → now: A 2→3, B 2→3, C 2→4, D 1→4 (TT preferred), E 3→4, F 2→3
    assert [(r[0].text, r[1].value, r[2].value) for r in levels.rows] == [
        ("<0 levels", 0, 0.0),
        ("0 levels", 0, 0.0),
        ("1 level", 4, 66.7),
        ("2 levels", 1, 16.7),
        ("3 levels", 1, 16.7),
        ("4+ levels", 0, 0.0),
    ]
    assert levels.extra["pct_expected"] == 33.3  # C and D make 2+ levels
    assert levels.extra["pct_more"] == 16.7  # D
    matrix = panel["matrix"]
    assert matrix.headers == ["KS1 level", "Now 3", "Now 4", "Total"]
    assert [[c.value for c in r] for r in matrix.rows] == [["1", 0, 1, 1], ["2", 3, 1, 4], ["3", 0, 1, 1]]


def test_matrix_cell_drills_to_the_pupils_it_counts(small, school):
    frames = frames_for(school)
    listed = drill_down(frames, Drill(panel="levels", ks="KS1", start="2", end="3"))
    assert [r[0].text for r in listed.rows] == ["Amelia Archer", "Ben Brooks", "Farhan Fofana"]
    bucket = drill_down(frames, Drill(panel="levels", ks="KS1", bucket="3"))
    assert [r[0].text for r in bucket.rows] == ["Daniel Dixon"]


def test_group_gaps_for_attainment_progress_and_on_track_share(small, school):
    table = gaps(frames_for(school))
    pp = row_for(table, "Pupil premium", "Reading")
    export = table.export_rows[table.rows.index(pp)]
    # PP A, B, C, G, H: 111/5 = 22.2 now, gained 20/5 = 4.0, on track 3/5; rest 121/5 = 24.2, 26/5 = 5.2, 3/5
    assert export == ["Pupil premium", "Reading", 5, 5, 22.2, 24.2, -2.0, 4.0, 5.2, -1.2, 60.0, 60.0, 0.0]
    girls = table.export_rows[table.rows.index(row_for(table, "Girls", "Reading"))]
    assert girls[4:] == [24.2, 22.2, 2.0, 5.2, 4.0, 1.2, 80.0, 40.0, 40.0]


def test_small_groups_show_their_size_not_a_mean(small, school):
    table = gaps(frames_for(school))
    sen = row_for(table, "SEN support (K)", "Reading")
    assert sen[2].text == "1 / 9"
    assert sen[2].note == "fewer than 5 pupils"
    assert all(c.value is None for c in sen[3:])
    assert all(r[0].text != "Looked after" for r in table.rows)  # no such pupils: no row


def test_gap_trend_over_windows(small, school):
    table = gap_trends(frames_for(school))
    assert table.headers == ["Group", "Subject", "Autumn 2024", "Spring 2025", "Summer 2025", "Autumn 2025"]
    pp = row_for(table, "Pupil premium", "Reading")
    # PP means 18.2, 19.8, 21.0, 22.2 against 19.0, 21.0, 22.2, 24.2
    assert [c.value for c in pp[2:]] == [-0.8, -1.2, -1.2, -2.0]
    sen = row_for(table, "SEN support (K)", "Reading")
    assert [c.value for c in sen[2:]] == [None] * 4


def test_on_track_trend_by_subject_and_group(small, school):
    table = trends(frames_for(school))
    assert [c.value for c in row_for(table, "Reading", "All pupils in view")[2:]] == [None, None, 80.0, 60.0]
    assert [c.value for c in row_for(table, "Reading", "Boys")[2:]] == [None, None, 80.0, 40.0]
    assert [c.value for c in row_for(table, "Mathematics", "All pupils in view")[2:]] == [None, None, 90.0, 80.0]
    assert row_for(table, "Reading", "EAL")[5].text == "n=1"


def test_stuck_and_well_behind_list_longest_first(small, school):
    table = stuck_list(frames_for(school))
    assert table.export_rows == [
        ["Amelia Archer", "Year 6", "Reading", "Stuck", "Spring 2025"],
        ["Ben Brooks", "Year 6", "Reading", "Well behind", "Summer 2025"],
        ["Farhan Fofana", "Year 6", "Mathematics", "Stuck", "Autumn 2025"],
    ]
    assert "Provision" not in table.headers


def test_stuck_list_shows_provision_when_a_provider_is_installed(small, school, client_as, leader, monkeypatch):
    class Provider:
        @staticmethod
        def provision_for(school, pupil_ids):
            return {small["pupils"]["A"].pk: "Wave 2: Reading catch-up"}

    monkeypatch.setattr("targets.dashboard.views.app_modules", lambda name: [Provider])
    table = client_as(leader, school).get(reverse("targets:dashboard")).context["tables"]["stuck"]
    assert table.headers[-1] == "Provision"
    assert [r[-1] for r in table.export_rows] == ["Wave 2: Reading catch-up", "None recorded", "None recorded"]


def test_stuck_list_leaves_out_provision_without_a_provider(small, school, client_as, leader, monkeypatch):
    monkeypatch.setattr("targets.dashboard.views.app_modules", lambda name: [])
    response = client_as(leader, school).get(reverse("targets:dashboard"))
    assert "Provision" not in response.context["tables"]["stuck"].headers
    assert b"None recorded" not in response.content


def test_filters_change_every_panel_together(small, school):
    frames = frames_for(school, year_group=6, group="pupil_premium")
    assert sorted(frames.pupils["name"]) == ["Amelia Archer", "Ben Brooks", "Chloe Carter"]
    table = overview(frames)
    assert [c.value for c in row_for(table, "Year 6", "Reading")[2:]] == [3, 0, 1, 0, 1, 1]
    assert [r[0] for r in stuck_list(frames).export_rows] == ["Amelia Archer", "Ben Brooks"]
    (panel,) = levels_panels(frames)
    assert panel["levels"].extra["pupils"] == 3
    trend = trends(frames)
    assert row_for(trend, "Reading", "All pupils in view")[5].text == "n=3"


def test_subject_and_window_filters(small, school):
    frames = frames_for(school, subject_id=small["maths"].pk, window_id=small["windows"][2].pk)
    assert frames.window["name"] == "Summer 2025" and frames.previous["name"] == "Spring 2025"
    table = overview(frames)
    assert {r[1].text for r in table.rows} == {"Mathematics"}
    assert [c.value for c in row_for(table, "All years", "Mathematics")[2:]] == [10, 0, 9, 1, 0, 0]


def test_teaching_group_filter_counts_its_current_members(small, school, client_as, leader):
    url = reverse("targets:dashboard") + f"?teaching_group={small['group'].pk}"
    response = client_as(leader, school).get(url)
    assert response.context["pupils_in_view"] == 3  # A, B, C (D has left the group)


def test_export_writes_the_same_figures_as_the_page(small, school, client_as, leader):
    url = reverse("targets:dashboard_export") + "?table=overview&format=csv&year=6"
    response = client_as(leader, school).get(url)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Year group", "Subject", "Pupils", "Ahead (pupils)"]
    # The page's figures, with small counts hidden: an export leaves the building (DESIGN §4).
    assert rows[1][:6] == ["Year 6", "Reading", "6", "<5", "", ""]


@pytest.mark.parametrize(
    "table", ["overview", "stuck", "gaps", "gap-trend", "trend", "levels-KS1-{r}", "matrix-KS1-{r}"]
)
def test_every_table_exports_as_xlsx(small, school, client_as, leader, table):
    url = reverse("targets:dashboard_export") + f"?table={table.format(r=small['reading'].pk)}&format=xlsx"
    response = client_as(leader, school).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert response.content[:2] == b"PK"


def test_drill_down_export_lists_the_pupils(small, school, client_as, leader):
    url = (
        reverse("targets:dashboard_export")
        + "?table=pupils&format=csv&status=stuck,well_behind&subject="
        + str(small["reading"].pk)
    )
    rows = list(csv.reader(io.StringIO(client_as(leader, school).get(url).content.decode("utf-8-sig"))))
    assert [r[:4] for r in rows[1:]] == [
        ["Amelia Archer", "Year 6", "Reading", "Stuck"],
        ["Ben Brooks", "Year 6", "Reading", "Well behind"],
    ]


def test_unknown_export_table_is_404(small, school, client_as, leader):
    response = client_as(leader, school).get(reverse("targets:dashboard_export") + "?table=nope&format=csv")
    assert response.status_code == 404


def test_vectorised_group_means_agree_with_the_analytics_module(small, school):
    from assessment import analytics

    frame = gap_frame(frames_for(school))
    fast = group_means(frame, ["points", "progress", "on_track"], GAP_GROUPS, by="subject_id")
    for subject_id, sub in frame.groupby("subject_id"):
        for col in ("points", "progress", "on_track"):
            slow = analytics.group_gaps(sub, col, GAP_GROUPS, MIN_SIZE).set_index("label")
            mine = fast[fast["subject_id"] == subject_id].set_index("label")
            for label, expected in slow.iterrows():
                got = mine.loc[label]
                assert (got[f"n_group_{col}"], got[f"n_rest_{col}"]) == (expected["n_group"], expected["n_rest"])
                for part in ("mean_group", "mean_rest", "gap"):
                    assert got[f"{part}_{col}"] == pytest.approx(expected[part], nan_ok=True)


def test_the_page_lists_the_first_rows_of_a_long_stuck_list(small, school, client_as, leader, monkeypatch):
    monkeypatch.setattr("targets.dashboard.views.STUCK_ROWS_ON_PAGE", 2)
    response = client_as(leader, school).get(reverse("targets:dashboard"))
    assert len(response.context["tables"]["stuck"].rows) == 2
    assert "See all 3 rows" in response.content.decode()


# --- At scale: the database's aggregates and the vectorised panels against the rows they count --------


@pytest.fixture
def generated(school):
    """150 pupils in Years 1–6 over two years of termly windows (``targets.dashboard.bench``), with varied
    KS1/KS2 baselines."""
    from targets.dashboard.bench import generate_school

    made = generate_school(school, 150, years=2)
    vary_baselines(school)
    return made


def _rows(model, school, frames, *fields):
    """Every row of ``model`` for the pupils in view, with their characteristics."""
    rows = pd.DataFrame(list(model.objects.filter(school=school).values("pupil_id", "subject_id", *fields)))
    return rows.merge(frames.pupils, on="pupil_id")


def _in_group(rows, key):
    if key == "all":
        return rows
    chosen = characteristic(key)
    return rows[rows[chosen.column].isin(chosen.values)]


def test_trends_and_overview_give_what_counting_the_status_rows_gives(generated, school):
    from targets.models import ProgressStatus

    frames = frames_for(school)
    statuses = _rows(ProgressStatus, school, frames, "window_id", "status")
    windows = trend_windows(frames)
    assert len(windows) == 6
    trend = trends(frames)
    groups = [("all", "All pupils in view")] + [(c.key, c.label) for c in CHARACTERISTICS]
    for subject in frames.subjects.to_dict("records"):
        for key, label in groups:
            rows = _in_group(statuses[statuses["subject_id"] == subject["id"]], key)
            if rows.empty:
                continue
            expected = []
            for w in windows:
                at = rows[rows["window_id"] == w["id"]]
                ok = int(at["status"].isin(ON_TRACK_OR_AHEAD).sum())
                expected.append(None if len(at) < MIN_SIZE else round(ok / len(at) * 100, 1))
            assert [c.value for c in row_for(trend, subject["name"], label)[2:]] == expected
    table = overview(frames)
    now = statuses[statuses["window_id"] == frames.window["id"]]
    before = statuses[statuses["window_id"] == frames.previous["id"]]
    for (year, subject_id), rows in now.groupby(["year_group", "subject_id"]):
        row = row_for(table, f"Year {year}", frames.subject_name(subject_id))
        counts = rows["status"].value_counts()
        assert [c.value for c in row[2:]] == [len(rows), *[int(counts.get(s, 0)) for s in analytics.STATUSES]]
        then = before[(before["year_group"] == year) & (before["subject_id"] == subject_id)]["status"].value_counts()
        changes = table.export_rows[table.rows.index(row)][5::3]
        share = [counts.get(s, 0) / len(rows) * 100 - then.get(s, 0) / then.sum() * 100 for s in analytics.STATUSES]
        assert changes == [round(c, 1) for c in share]


def test_gap_trend_gives_what_the_analytics_module_gives_over_the_judgements(generated, school):
    from assessment.models import Judgement

    frames = frames_for(school)
    judgements = _rows(Judgement, school, frames, "window_id", "points")
    windows = [w["id"] for w in trend_windows(frames)]
    table = gap_trends(frames)
    for subject in frames.subjects.to_dict("records"):
        rows = judgements[judgements["subject_id"] == subject["id"]]
        for c in CHARACTERISTICS:
            gaps = analytics.gap_trend(rows, "points", c.group, windows, MIN_SIZE)["gap"]
            expected = [None if pd.isna(g) else round(g, 1) for g in gaps]
            assert [cell.value for cell in row_for(table, c.label, subject["name"])[2:]] == expected


def test_levels_panels_give_what_the_analytics_module_gives(generated, school):
    from assessment.models import Judgement, TransitionalResult

    frames = frames_for(school)
    # The baseline as the levels panels choose it: the latest key stage, a test result before teacher assessment.
    base = pd.DataFrame(
        list(
            TransitionalResult.objects.filter(school=school).values(
                "pupil_id", "subject_id", "key_stage", "method", "points"
            )
        )
    )
    base = base.assign(test=base["method"] == "TT").sort_values(["pupil_id", "subject_id", "key_stage", "test"])
    base = base.drop_duplicates(["pupil_id", "subject_id"], keep="last").rename(columns={"points": "start_points"})
    now = _rows(Judgement, school, frames, "window_id", "points")
    now = now[now["window_id"] == frames.window["id"]].rename(columns={"points": "end_points"})
    frame = base.merge(now, on=["pupil_id", "subject_id"])
    panels = levels_panels(frames)
    assert {(p["ks"], p["subject"]["name"]) for p in panels} == {
        (ks, s) for ks in ("KS1", "KS2") for s in ("Reading", "Writing", "Mathematics")
    }
    for panel in panels:
        rows = frame[(frame["subject_id"] == panel["subject"]["id"]) & (frame["key_stage"] == panel["ks"])]
        lop = analytics.levels_of_progress_table(rows, expected_levels()[panel["ks"]])
        levels = panel["levels"]
        assert [r[1].value for r in levels.rows] == lop.table["pupils"].tolist()
        assert (levels.extra["pupils"], levels.extra["missing"]) == (lop.pupils, lop.missing)
        if not levels.extra["small"]:
            assert [r[2].value for r in levels.rows] == [round(p, 1) for p in lop.table["percent"]]
            assert levels.extra["pct_expected"] == round(lop.pct_expected, 1)
            assert levels.extra["pct_more"] == round(lop.pct_more_than_expected, 1)
        matrix = analytics.transition_matrix(rows)
        assert panel["matrix"].headers == [f"{panel['ks']} level", *[f"Now {c}" for c in matrix.columns], "Total"]
        assert [r[2:] for r in panel["matrix"].export_rows] == [
            [start, *counts.tolist(), int(counts.sum())] for start, counts in matrix.iterrows()
        ]


# --- Expected progress from the school's policy ------------------------------------------------------


def test_expected_levels_follow_the_schools_rate_and_keep_the_dfe_measure_by_default():
    # DESIGN §3: two whole levels KS1 → KS2 (12 points over four years), three KS2 → GCSE (2½ rounds up).
    assert expected_levels() == {"KS1": 2, "KS2": 3}
    assert expected_levels(3.0) == {"KS1": 2, "KS2": 3}
    assert expected_levels(4.5) == {"KS1": 3, "KS2": 4}  # 18 points = 3 levels; 22.5 points = 3¾ → 4


def test_levels_panels_measure_expected_progress_by_the_schools_own_rate(small, school):
    from targets.models import TargetSettings

    (panel,) = levels_panels(frames_for(school))
    assert panel["levels"].extra["expected_levels"] == 2  # no settings: the default 3 points a year
    TargetSettings.objects.create(school=school, expected_points_per_year=1.5)  # 6 points over KS2: one level
    frames = frames_for(school)
    assert frames.expectations.expected_levels == {"KS1": 1, "KS2": 1}
    (panel,) = levels_panels(frames)
    # whole levels KS1 → now: 1, 1, 2, 3, 1, 1 (see test_levels_of_progress_and_transition_matrix_from_ks1)
    assert panel["levels"].extra["expected_levels"] == 1
    assert panel["levels"].extra["pct_expected"] == 100.0
    assert panel["levels"].extra["pct_more"] == 33.3  # C and D
