"""Role × URL expectations for extended activities (tests/test_access_matrix.py walks them). The world's activity
is led by the world's senior leader and one of the teacher's pupils is a member: the teacher (and the tutor of
that pupil) sees it, but only its leader, a senior leader or an admin changes it."""

from __future__ import annotations

import datetime as dt

from partnership.models import Activity, ActivityMember, ActivitySession
from tests.access import PUPIL_READERS, STAFF, page
from tests.partnership import factories as f

LEADERS = {"leader", "admin"}


def build_world(w):
    pupil = f.pupil(w["school"])
    f.taught_by(w["teacher"], pupil, year=w["year"])
    activity = Activity.objects.create(
        school=w["school"], name="Chess club", leader=w["leader"], start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2026, 7, 20),
    )  # fmt: skip
    w["a_member"] = ActivityMember.objects.create(activity=activity, pupil=pupil, joined_on=dt.date(2025, 9, 1))
    ActivitySession.objects.create(activity=activity, held_on=dt.date(2025, 9, 8))
    w["a_activity"] = activity


def _activity(w):
    return {"pk": w["a_activity"].pk}


EXPECTATIONS = {
    "partnership:activities": page(PUPIL_READERS),
    "partnership:activity": page(PUPIL_READERS, kwargs=_activity),
    "partnership:activity_add": page(LEADERS),
    "partnership:activity_edit": page(LEADERS, kwargs=_activity),
    "partnership:activity_archive": page(LEADERS, kwargs=_activity, method="post", ok_status=302),
    # Its leader (here the senior leader) or an admin takes the register and changes the members.
    "partnership:activity_register": page(LEADERS, kwargs=_activity, method="post", ok_status=302),
    "partnership:activity_members": page(LEADERS, kwargs=_activity),
    "partnership:activity_member_leave": page(
        LEADERS, kwargs=lambda w: {"pk": w["a_member"].pk}, method="post", ok_status=302
    ),
    # Figures only: every reader of the self-review (a SIP included) opens it; FSM only for those who may see it.
    "partnership:activities_summary": page(STAFF, fsm="?start=2025-09-01"),
}
