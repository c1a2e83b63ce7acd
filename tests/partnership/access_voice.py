"""Role × URL expectations for pupil and parent voice (tests/test_access_matrix.py walks them). The world's
pupil survey is open today for Year 6 (the world's pupil account's year); results are figures for every reader
of the self-review; leaders and admins write surveys; staff enter paper responses for pupils they see."""

from __future__ import annotations

import datetime as dt

from partnership import voice
from partnership.models import Survey
from tests.access import PUPIL_READERS, STAFF, page

LEADERS = {"leader", "admin"}


def build_world(w):
    survey = Survey(
        school=w["school"], title="How we feel about school", year_from=5, year_to=6,
        opens_on=dt.date(2026, 3, 1), closes_on=dt.date(2026, 3, 31),
    )  # fmt: skip
    w["v_survey"] = voice.survey_create(
        survey=survey, questions_text="I feel safe\nText: What would help?", user=w["leader"]
    )
    # The portal accounts' child, a Year 6 pupil (access_partnership.py, built before this, links them).
    w["v_child"] = w["p_pupil"]


EXPECTATIONS = {
    "partnership:voice": page(STAFF, fsm=""),
    "partnership:survey_add": page(LEADERS),
    "partnership:survey_enter": page(PUPIL_READERS, kwargs=lambda w: {"pk": w["v_survey"].pk}),
    # The pupil answers the pupil survey; a parent account is not asked it (404, as for any other survey).
    "partnership:portal_survey": page(
        {"pupil"},
        kwargs=lambda w: {"pk": w["v_survey"].pk, "pupil_pk": w["v_child"].pk},
        overrides={"outsider": 403, "parent": 404},
    ),
}
