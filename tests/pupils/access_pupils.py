"""Who may open each pupil page and API endpoint (see tests/access.py)."""

from pupils.models import GroupMembership
from tests.access import ALL_PUPILS, PUPIL_READERS, page
from tests.pupils.factories import pupil_in, taught_group

ADMIN = {"admin"}


def build_world(w):
    group = taught_group(w["teacher"], w["year"])
    w["group"] = group
    w["pupil"] = pupil_in(group)
    w["membership"] = GroupMembership.objects.get(group=group, pupil=w["pupil"])
    # Somewhere to move to: another set of the same subject and year.
    w["other_set"] = taught_group(w["teacher"], w["year"])


def _pupil(w):
    return {"pk": w["pupil"].pk}


def _group(w):
    return {"pk": w["group"].pk}


API = {"anon_status": 403}  # the API answers 403, not a redirect, to a signed-out caller

EXPECTATIONS = {
    # fsm: where FSM status shows to those who may see it (the FSM-visibility column, tests/access.py).
    "pupils:list": page(PUPIL_READERS, fsm="?export=csv"),
    "pupils:detail": page(PUPIL_READERS, kwargs=_pupil, fsm=""),
    "pupils:edit": page(ADMIN, kwargs=_pupil),
    "pupils:archive": page(ADMIN, kwargs=_pupil),
    "pupils:restore": page(ADMIN, kwargs=_pupil, method="post", ok_status=302),
    "pupils:groups": page(PUPIL_READERS),
    # A tutor sees tutees, not the groups they are taught in.
    "pupils:group": page(PUPIL_READERS, kwargs=_group, overrides={"tutor": 404}),
    "pupils:move": page(ADMIN, kwargs=lambda w: {"pk": w["membership"].pk}),
    # The audit trail: senior leaders, the SENCO and admins; a teacher, a tutor or a SIP is refused.
    "pupils:history": page(ALL_PUPILS, kwargs=_pupil),
    "pupils:group_history": page(ALL_PUPILS, kwargs=_group),
    "pupils:import": page(ADMIN),
    "pupils:import_ctf": page(ADMIN),
    "pupil-list": page(PUPIL_READERS, fsm="", **API),
    "pupil-detail": page(PUPIL_READERS, kwargs=_pupil, fsm="", **API),
    "teaching-group-list": page(PUPIL_READERS, **API),
    "teaching-group-detail": page(PUPIL_READERS, kwargs=_group, overrides={"tutor": 404}, **API),
}
