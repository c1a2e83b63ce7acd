"""Post-2014 KS results from a CTF (EXS, scaled scores): a transitional result has no place for the scale its
points would be on, so they are kept without points and the report names their own scale (issue 14)."""

import pytest

from assessment import importing
from assessment.models import TransitionalResult
from pupils.models import CtfStageResult

pytestmark = pytest.mark.django_db


def test_post2014_ctf_results_are_reported_with_their_own_scale_and_kept_without_points(school, subjects, pupils):
    pupil = pupils[0]
    for subject, method, result in (("WRI", "TA", "EXS"), ("MAT", "TT", "104"), ("REA", "TA", "XYZ")):
        CtfStageResult.objects.create(
            pupil=pupil, stage="KS2", year="2024", subject=subject, method=method, component="", result=result
        )
    report = importing.transitional_results_from_ctf(school=school)
    assert report.created == 3
    assert all(r.points is None for r in TransitionalResult.objects.filter(pupil=pupil))
    messages = sorted(report.unmapped)
    assert len(messages) == 3
    assert any("EXS is a post-2014 result (6 on the" in m for m in messages)
    assert any("104 is a post-2014 result (104 on the" in m for m in messages)
    assert any("XYZ is not on the" in m for m in messages)
    assert all(m.endswith("so it is kept without points.") for m in messages)
