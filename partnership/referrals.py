"""Partnership's side of interventions' ``referrals`` hook: the open referrals to the SENCO that personal tutors
made after progress reviews. The review keeps the referral (no table moves); interventions lists the pupils
among its candidates without importing partnership."""

from __future__ import annotations

from interventions.selectors import Referral

from .models import ProgressReview


def open_referrals(school) -> list[Referral]:
    """Every open referral in ``school``, the most recent first for each pupil. One query."""
    reviews = (
        ProgressReview.objects.filter(school=school, refer_to_senco=True, referral_closed_at__isnull=True)
        .select_related("tutor")
        .order_by("pupil_id", "-held_on", "-pk")
    )
    return [
        Referral(
            pupil_id=r.pupil_id,
            referred_by=r.tutor.display_name if r.tutor else "a tutor",
            referred_on=r.held_on,
            reason=r.referral_reason,
        )
        for r in reviews
    ]
