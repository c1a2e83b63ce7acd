"""Who may open each lesson-observation URL: leaders and admins record; the SENCO reads them all; a teacher (and
a personal tutor) reads those of their own classes; a SIP reads only the summary by focus."""

from tests.access import PUPIL_READERS, STAFF, page

RECORDERS = frozenset({"leader", "admin"})


def build_world(w):
    import datetime as dt

    from selfreview.models import Observation, ObservationFocus

    w["observation"] = Observation.objects.create(
        school=w["school"], kind="walk", date=dt.date(2026, 1, 14), observer=w["leader"], group=w["group"]
    )
    ObservationFocus.objects.create(observation=w["observation"], focus="1c", judgement="secure")


def _obs(w):
    return {"pk": w["observation"].pk}


EXPECTATIONS = {
    "selfreview:observation_list": page(PUPIL_READERS, query="?format=csv"),
    "selfreview:observation_create": page(RECORDERS),
    # The world's tutor teaches no class: the teacher's class's observation is not theirs.
    "selfreview:observation_detail": page(PUPIL_READERS, kwargs=_obs, overrides={"tutor": 404}),
    "selfreview:observation_edit": page(RECORDERS, kwargs=_obs),
    "selfreview:observation_summary": page(STAFF),
}
