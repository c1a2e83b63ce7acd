"""The data migration moves schools still on the old flag defaults (behind by 1, stuck over 2) to the new
ones (2 and 3) and leaves customised schools alone (issue 14)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from targets.models import TargetSettings
from tests.schoolpl.factories import SchoolFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("targets.migrations.0008_move_schools_on_old_flag_defaults")


def test_old_defaults_move_and_customised_schools_stay():
    old = TargetSettings.objects.create(school=SchoolFactory(), behind_by=1.0, stuck_windows=2)
    custom = TargetSettings.objects.create(school=SchoolFactory(), behind_by=3.0, well_behind_by=6.0, stuck_windows=2)
    one_back = TargetSettings.objects.create(school=SchoolFactory(), behind_by=1.5, stuck_windows=1)
    migration.forwards(apps, None)
    for row in (old, custom, one_back):
        row.refresh_from_db()
    assert (old.behind_by, old.stuck_windows) == (2.0, 3)
    assert (custom.behind_by, custom.well_behind_by, custom.stuck_windows) == (3.0, 6.0, 2)
    assert (one_back.behind_by, one_back.stuck_windows) == (1.5, 2)  # the same span: two windows
    assert TargetSettings().thresholds().as_dict() == {
        "ahead_by": 2.0,
        "behind_by": 2.0,
        "well_behind_by": 4.0,
        "stuck_windows": 3,
    }
