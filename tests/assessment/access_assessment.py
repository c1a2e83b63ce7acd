"""Who may open each assessment page and API endpoint (see tests/access.py)."""

from tests.access import PUPIL_READERS, STAFF, page
from tests.assessment.factories import JudgementFactory, objective_with_criteria, pupil_in, subjects_for, taught_group

READERS = {"teacher", "senco", "leader", "admin"}  # SENCO reads the grid
RECORDERS = {"teacher", "leader", "admin"}
API = {"anon_status": 403}


def build_world(w):
    subjects = subjects_for(w["school"])
    group = taught_group(w["teacher"], w["year"], name="6B", subject="english", kind="class")
    pupil = pupil_in(group)
    w["assess_group"], w["assess_pupil"], w["reading"] = group, pupil, subjects["reading"]
    w["judgement"] = JudgementFactory(pupil=pupil, subject=subjects["reading"], window=w["window"])
    w["objective"] = objective_with_criteria(group)
    w["focus"] = subjects["reading"].focuses.first()


def _cell(w):
    return {"group": w["assess_group"].pk, "window": w["window"].pk, "subject": w["reading"].pk}


EXPECTATIONS = {
    "assessment:grid": page(READERS),
    # The first recorder saves; later ones get the conflict partial (200), never a silent overwrite.
    "assessment:grid_cell": page(
        RECORDERS,
        kwargs=_cell,
        method="post",
        data=lambda w: {"pupil": w["assess_pupil"].pk, "focus": w["focus"].pk, "grade": "4b", "version": 0},
    ),  # fmt: skip
    "assessment:heat_map": page(READERS),
    "assessment:pupil_profile": page(PUPIL_READERS, kwargs=lambda w: {"pk": w["assess_pupil"].pk}),
    "assessment:pupil_assess": page(
        READERS, kwargs=lambda w: {"pupil": w["assess_pupil"].pk, "subject": w["reading"].pk, "window": w["window"].pk}
    ),
    "assessment:frameworks": page(STAFF),
    "assessment:scales": page({"admin"}),
    "assessment:focus_criteria": page({"admin"}, kwargs=lambda w: {"pk": w["focus"].pk}),
    "assessment:transitional": page({"leader", "admin"}),
    "assessment:objectives": page(READERS, kwargs=lambda w: {"group": w["assess_group"].pk}),
    "assessment:objective_record": page(READERS, kwargs=lambda w: {"pk": w["objective"].pk}),
    "assessment:objective_record_save": page(
        RECORDERS,
        kwargs=lambda w: {"pk": w["objective"].pk},
        method="post",
        data=lambda w: {
            "pupil": w["assess_pupil"].pk,
            "criterion": w["objective"].success_criteria.first().pk,
            "by": "self",
            "rating": 2,
        },
    ),  # fmt: skip
    "assessment-list": page(PUPIL_READERS, **API),
    "assessment-detail": page(PUPIL_READERS, kwargs=lambda w: {"pk": w["judgement"].pk}, **API),
    "scale-list": page(STAFF, **API),
    "scale-detail": page(STAFF, kwargs=lambda w: {"code": "nc"}, overrides={"outsider": 200}, **API),
}
