"""Who may open the pupil passport and multi-agency pages (DESIGN §4): every teacher of a pupil with SEN reads
their passport, the SENCO (and an admin) writes it; multi-agency work is for the SENCO and senior leaders only."""

from __future__ import annotations

import datetime as dt

from interventions.models import Adjustment, AgencyInvolvement, Passport, PassportReview
from tests.access import page
from tests.interventions.factories import PupilFactory, TeachingGroupFactory, enrol, teach

READERS = {"teacher", "senco", "leader", "admin"}
PLANNERS = {"senco", "admin"}
AGENCY = {"senco", "leader", "admin"}


def build_world(w):
    school = w["school"]
    group = TeachingGroupFactory(academic_year=w["year"], name="Passport group")
    teach(group, w["teacher"])
    pupil = PupilFactory(school=school, sen_provision="K")
    enrol(group, pupil)
    day = dt.date(2026, 1, 12)
    passport = Passport.objects.create(
        school=school, pupil=pupil, about_me="I like trains.", helps_me="Pictures.", contributors="the pupil",
        written_on=day, reviewed_on=day, next_review_on=day + dt.timedelta(days=91),
    )  # fmt: skip
    PassportReview.objects.create(passport=passport, reviewed_on=day)
    w["pp_pupil"] = pupil
    w["pp_adjustment"] = Adjustment.objects.create(
        passport=passport, kind="ict", description="Laptop for writing", added_on=day
    )
    w["ma_involvement"] = AgencyInvolvement.objects.create(
        school=school, pupil=pupil, kind="referral", service="salt", referred_on=day
    )


def _pk(name):
    return lambda w: {"pk": w[name].pk}


EXPECTATIONS = {
    "interventions:passport_list": page(READERS),
    "interventions:passport_detail": page(READERS, kwargs=_pk("pp_pupil")),
    "interventions:passport_edit": page(PLANNERS, kwargs=_pk("pp_pupil")),
    "interventions:passport_review": page(PLANNERS, kwargs=_pk("pp_pupil")),
    "interventions:adjustment_add": page(
        PLANNERS,
        kwargs=_pk("pp_pupil"),
        method="post",
        ok_status=302,
        data=lambda w: {"adj-kind": "seating", "adj-description": "Near the front", "adj-added_on": "2026-02-02"},
    ),
    "interventions:adjustment_end": page(PLANNERS, kwargs=_pk("pp_adjustment"), method="post", ok_status=302),
    # Multi-agency work: never a class teacher, a tutor or a SIP (they see counts on the self-review).
    "interventions:agency_list": page(AGENCY),
    "interventions:agency_pupil": page(AGENCY, kwargs=_pk("pp_pupil")),
    "interventions:agency_create": page(PLANNERS, kwargs=_pk("pp_pupil")),
    "interventions:agency_edit": page(PLANNERS, kwargs=_pk("ma_involvement")),
}
