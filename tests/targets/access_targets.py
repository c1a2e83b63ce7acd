"""Who may open each targets page (the role × URL matrix). A SIP sees aggregates only: no target page
names a pupil, so every one is 403 for them except their own notifications."""

from __future__ import annotations

import datetime as dt

from tests.access import STAFF, page

READERS = {"teacher", "senco", "leader", "admin"}
EDITORS = {"teacher", "leader", "admin"}
LEADERS = {"leader", "admin"}


def build_world(w):
    from targets.models import CurricularTarget
    from tests.targets.factories import (
        CurricularTargetFactory,
        PupilFactory,
        PupilTargetFactory,
        SubjectFactory,
        TeachingGroupFactory,
        enrol,
        teach,
    )

    school = w["school"]
    group = TeachingGroupFactory(school=school, academic_year=w["year"], subject="english", name="6T")
    teach(group, w["teacher"])
    pupil = PupilFactory(school=school)
    enrol(group, pupil, start=dt.date(2020, 9, 1))
    reading = w.get("reading") or SubjectFactory(school=school, code="reading")  # assessment's world may have it
    w["targets_group"], w["targets_pupil"] = group, pupil
    w["numeric_target"] = PupilTargetFactory(pupil=pupil, subject=reading, status="proposed")
    w["school_target"] = CurricularTargetFactory(school=school, subject=reading)
    from tests.targets.factories import ProgressStatusFactory

    w["progress_status"] = ProgressStatusFactory(pupil=pupil, subject=reading, window=w["window"])
    w["pupil_target"] = CurricularTargetFactory(
        school=school, level=CurricularTarget.Level.PUPIL, term="short", pupil=pupil, parent=w["school_target"]
    )


EXPECTATIONS = {
    "targets:pupil": page(READERS, kwargs=lambda w: {"pk": w["targets_pupil"].pk}),
    "targets:pupil_target_new": page(EDITORS, kwargs=lambda w: {"pk": w["targets_pupil"].pk}),
    "targets:numeric_accept": page(
        EDITORS, method="post", ok_status=302, kwargs=lambda w: {"pk": w["numeric_target"].pk}
    ),
    "targets:numeric_adjust": page(
        EDITORS,
        method="post",
        ok_status=302,
        kwargs=lambda w: {"pk": w["numeric_target"].pk},
        data=lambda w: {"target_points": "29"},
    ),
    "targets:curricular_list": page(READERS),
    "targets:curricular_new": page(LEADERS),
    "targets:curricular_detail": page(READERS, kwargs=lambda w: {"pk": w["school_target"].pk}),
    "targets:curricular_derive": page(EDITORS, kwargs=lambda w: {"pk": w["school_target"].pk}),
    "targets:review_add": page(
        EDITORS,
        method="post",
        ok_status=302,
        kwargs=lambda w: {"pk": w["pupil_target"].pk},
        data=lambda w: {"reviewed_on": "2025-10-01", "outcome": "active", "pupil_comment": "I can do it"},
    ),
    "targets:group_proposal": page(EDITORS, kwargs=lambda w: {"pk": w["targets_group"].pk}),
    "targets:notifications": page(STAFF),
    "targets:settings": page(LEADERS),
    # The API: same access as the pages (a SIP and anyone without a target capability get 403).
    "targets-list": page(READERS, anon_status=403),
    "targets-detail": page(READERS, anon_status=403, kwargs=lambda w: {"pk": w["numeric_target"].pk}),
    "progress-list": page(READERS, anon_status=403, query="?status=behind&latest=true"),
    "progress-detail": page(READERS, anon_status=403, kwargs=lambda w: {"pk": w["progress_status"].pk}),
}
