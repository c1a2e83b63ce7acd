"""P-scale settings (issue 14): stored per school with the defaults (a data migration gives existing schools
them), edited on the target settings page, and used by the recompute for pupils whose baseline is a P-scale
step."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from assessment.scales import INTEGRATED_PSCALE_POINTS, PSCALE
from conftest import sign_in
from targets import recompute, selectors
from targets.models import ProgressStatus, TargetSettings
from tests.schoolpl.factories import SchoolFactory
from tests.targets.factories import JudgementFactory, PupilFactory, PupilTargetFactory, SubjectFactory, windows

pytestmark = pytest.mark.django_db

migration = importlib.import_module("targets.migrations.0011_pscale_defaults_for_existing_schools")

SETTINGS = {
    "policy": "expected",
    "expected_points_per_year": "3",
    "stretch_points": "2",
    "percentile": "75",
    "min_history": "10",
    "ahead_by": "2",
    "behind_by": "2",
    "well_behind_by": "4",
    "stuck_windows": "3",
}


def test_new_and_existing_schools_have_the_default_p_scale_settings():
    fresh = TargetSettings.objects.create(school=SchoolFactory())
    broken = TargetSettings.objects.create(school=SchoolFactory(), pscale_points=[1, 2], pscale_quartile=60)
    custom_points = [0.1 * i + 0.1 for i in range(11)]
    custom = TargetSettings.objects.create(school=SchoolFactory(), pscale_points=custom_points, pscale_quartile=25)
    migration.forwards(apps, None)
    for row in (fresh, broken, custom):
        row.refresh_from_db()
    assert fresh.pscale_points == list(INTEGRATED_PSCALE_POINTS) == broken.pscale_points
    assert (fresh.pscale_quartile, broken.pscale_quartile, fresh.pscale_points_per_year) == (50, 50, None)
    assert (custom.pscale_points, custom.pscale_quartile) == (custom_points, 25)
    assert fresh.pscale_policy().points == INTEGRATED_PSCALE_POINTS


def test_leader_sets_p_scale_points_and_rate_on_the_settings_page(client, school, leader):
    sign_in(client, leader, school)
    page = client.get(reverse("targets:settings")).content.decode()
    assert "Pupils working below level 1 (P-scales)" in page and 'id="pscale-points"' in page
    assert 'name="pscale_points_10"' in page and "P8 points" in page
    assert "Judged P6: on the line → on track. Judged P5: 1 step below → behind." in " ".join(page.split())
    points = {f"pscale_points_{i}": str(1.0 + 0.5 * i) for i in range(11)}
    data = SETTINGS | points | {"pscale_points_per_year": "0.75", "pscale_quartile": "75", "pscale_behind_steps": "1"}
    assert client.post(reverse("targets:settings"), data).status_code == 302
    saved = TargetSettings.objects.get(school=school)
    assert saved.pscale_points == [1.0 + 0.5 * i for i in range(11)]
    assert (saved.pscale_points_per_year, saved.pscale_quartile, saved.pscale_well_behind_steps) == (0.75, 75, 2.0)
    assert saved.history.count() >= 1
    # Left out, the P-scale fields keep what is saved (the rate's empty field means: the national quartile).
    assert client.post(reverse("targets:settings"), SETTINGS).status_code == 302
    saved.refresh_from_db()
    assert saved.pscale_points == [1.0 + 0.5 * i for i in range(11)] and saved.pscale_quartile == 75
    assert saved.pscale_points_per_year is None


def test_inconsistent_p_scale_points_are_refused_on_the_page(client, school, leader):
    sign_in(client, leader, school)
    descending = SETTINGS | {"pscale_points_6": "0.1"}  # P4 below P3(ii)
    response = client.post(reverse("targets:settings"), descending)
    assert response.status_code == 200 and "strictly ascend" in response.content.decode()
    too_high = SETTINGS | {"pscale_points_10": "7"}  # P8 at 1c
    assert "below level 1c" in client.post(reverse("targets:settings"), too_high).content.decode()
    assert TargetSettings.objects.get(school=school).pscale_points == list(INTEGRATED_PSCALE_POINTS)


def test_recompute_holds_a_p_scale_pupil_to_the_p_scale_line_not_the_nc_rate(school):
    TargetSettings.objects.create(school=school)  # NC 3 points a year; P-scale median
    ws = windows(school)  # six terms from September 2023; the last ends 22 July 2025
    reading = SubjectFactory(school=school, code="reading", scale_code="nc_full")
    start = dt.date(2023, 7, 22)  # 731 days (2024 is a leap year) = 2.0014 years before the last window ends
    pupils = {}
    for name, last in (("Steady", "P5"), ("Slow", "P4"), ("Stalled", "P3(ii)")):
        pupil = pupils[name] = PupilFactory(school=school, legal_forename=name)
        PupilTargetFactory(pupil=pupil, subject=reading, baseline_points=PSCALE.points("P4"), baseline_date=start,
                           target_points=PSCALE.points("P6"))  # fmt: skip
        JudgementFactory(pupil=pupil, subject=reading, window=ws[-1], grade=last, points=PSCALE.points(last))
    recompute.progress_recompute(school_id=school.pk)
    latest = dict(ProgressStatus.objects.filter(is_latest=True).values_list("pupil_id", "status"))
    # Median from P4: 0.5 school points a year → 2 + 1.0007 = 3.0007, just past P5 (3; P6 is 4): judged P5 is
    # on track, P4 1.0007 steps below (behind), P3(ii) 2.0007 below (well behind). At the NC rate (3 a year)
    # the line would be 8 points up, and every one of them well behind.
    assert latest == {pupils["Steady"].pk: "on_track", pupils["Slow"].pk: "behind", pupils["Stalled"].pk: "well_behind"}
    expected = ProgressStatus.objects.filter(is_latest=True).values_list("expected", flat=True).first()
    assert expected == pytest.approx(PSCALE.points("P5") + 0.0007 * 0.25, abs=1e-4)  # recorded points: 2.25 + …


def test_profile_line_is_the_p_scale_line_the_flags_use(school):
    TargetSettings.objects.create(school=school)
    ws = windows(school)
    reading = SubjectFactory(school=school, code="reading", scale_code="nc_full")
    pupil = PupilFactory(school=school)
    PupilTargetFactory(pupil=pupil, subject=reading, baseline_points=PSCALE.points("P4"),
                       baseline_date=dt.date(2023, 7, 22), target_points=PSCALE.points("P6"))  # fmt: skip
    JudgementFactory(pupil=pupil, subject=reading, window=ws[-1], grade="P5", points=PSCALE.points("P5"))
    recompute.progress_recompute(school_id=school.pk)
    (subject,) = selectors.pupil_trajectories(pupil)
    stored = ProgressStatus.objects.get(pupil=pupil, is_latest=True).expected
    assert subject["rows"][-1]["expected"] == round(stored, 1) == 2.3  # 2.25 + 0.0007 × 0.25, one decimal
