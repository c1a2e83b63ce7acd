"""Who may open each interventions page and API endpoint (DESIGN §4)."""

from __future__ import annotations

from tests.access import page
from tests.interventions.factories import (
    CharacteristicFactory,
    FollowUpFactory,
    PlaceFactory,
    ProgrammeFactory,
    ProvisionFactory,
    PupilFactory,
    ScoreCardFactory,
    TeachingGroupFactory,
    enrol,
    teach,
)

READERS = {"teacher", "senco", "leader", "admin"}
ALL_READERS = {"senco", "leader", "admin"}
PLANNERS = {"senco", "admin"}
FOLLOW_UP = {"teacher", "senco", "admin"}


def build_world(w):
    school = w["school"]
    group = TeachingGroupFactory(academic_year=w["year"], name="IV group")
    teach(group, w["teacher"])
    pupil = PupilFactory(school=school)
    enrol(group, pupil)
    programme = ProgrammeFactory(school=school)
    provision = ProvisionFactory(programme=programme)
    place = PlaceFactory(provision=provision, pupil=pupil)
    w["iv_pupil"] = pupil
    w["iv_extra_pupil"] = PupilFactory(school=school)
    w["iv_programme"] = programme
    w["iv_provision"] = provision
    w["iv_place"] = place
    w["iv_follow_up"] = FollowUpFactory(place=place)
    CharacteristicFactory(school=school)
    w["iv_card"] = ScoreCardFactory(pupil=pupil)


def _pk(name):
    return lambda w: {"pk": w[name].pk}


EXPECTATIONS = {
    "interventions:programme_list": page(READERS),
    "interventions:programme_create": page(PLANNERS),
    "interventions:programme_edit": page(PLANNERS, kwargs=_pk("iv_programme")),
    "interventions:programme_evaluation": page(ALL_READERS, kwargs=_pk("iv_programme")),
    # Figures without names: the one interventions page a SIP may read.
    "interventions:impact_summary": page({"senco", "leader", "sip", "admin"}),
    "interventions:provision_list": page(READERS),
    "interventions:provision_create": page(PLANNERS),
    "interventions:provision_detail": page(READERS, kwargs=_pk("iv_provision")),
    "interventions:provision_edit": page(PLANNERS, kwargs=_pk("iv_provision")),
    "interventions:provision_add_pupil": page(
        PLANNERS,
        kwargs=_pk("iv_provision"),
        method="post",
        ok_status=302,
        data=lambda w: {"pupil": w["iv_extra_pupil"].pk, "joined_on": "2026-02-02"},
    ),
    "interventions:session_create": page(PLANNERS, kwargs=_pk("iv_provision")),
    "interventions:impact_record": page(PLANNERS, kwargs=_pk("iv_provision")),
    "interventions:place_leave": page(
        PLANNERS, kwargs=_pk("iv_place"), method="post", ok_status=302, data=lambda w: {"left_on": "2026-03-01"}
    ),
    "interventions:follow_up_create": page(
        FOLLOW_UP, kwargs=_pk("iv_place"), method="post", ok_status=302, data=lambda w: {"learned": "Uses 'because'"}
    ),
    "interventions:follow_up_class": page(
        FOLLOW_UP, kwargs=_pk("iv_follow_up"), method="post", ok_status=302, data=lambda w: {"note": "Praised it"}
    ),
    "interventions:candidates": page(ALL_READERS),
    "interventions:provision_map": page(ALL_READERS),
    # An admin of another school downloads their own school's map: the URL names no object.
    "interventions:provision_map_export": page(
        ALL_READERS, kwargs=lambda w: {"fmt": "csv"}, overrides={"outsider": 200}
    ),
    "interventions:needs_settings": page(PLANNERS),
    "interventions:score_card_summary": page(READERS),
    "interventions:pupil_needs": page(READERS, kwargs=_pk("iv_pupil")),
    "interventions:score_card_create": page(PLANNERS, kwargs=_pk("iv_pupil")),
    "interventions:journal_create": page(PLANNERS, kwargs=_pk("iv_pupil")),
    "interventions:aim_create": page(PLANNERS, kwargs=_pk("iv_pupil")),
    "programme-list": page(READERS, anon_status=403),
    "programme-detail": page(READERS, kwargs=_pk("iv_programme"), anon_status=403),
    "provision-list": page(READERS, anon_status=403),
    "provision-detail": page(READERS, kwargs=_pk("iv_provision"), anon_status=403),
    "needs-assessment-list": page(READERS, anon_status=403),
    "needs-assessment-detail": page(READERS, kwargs=_pk("iv_card"), anon_status=403),
}
