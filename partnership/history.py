"""Progress reviews and club memberships on the history page (``schoolpl.history``): who held them, what was
agreed or changed, who added a pupil to an activity."""

from __future__ import annotations

from schoolpl.history import HistorySource, Linked

from .models import ActivityMember, ProgressReview


def history_sources(access, *, pupils, group=None) -> list[HistorySource]:
    if access is None or not access.sees_pupil_names:
        return []
    return [
        HistorySource(
            key="progress_review",
            records=ProgressReview.history.filter(pupil__in=pupils),
            describe=lambda row: f"Progress review of {row.held_on:%d/%m/%Y}",
            fields=[
                "held_on",
                "tutor",
                "pupil_attended",
                "parent_attended",
                "others_attending",
                "pupil_view",
                "targets_agreed",
                "barriers",
                "actions",
                "refer_to_senco",
                "referral_reason",
                "referral_closed_at",
            ],
            labels={"tutor": "Personal tutor", "referral_closed_at": "Referral closed"},
            by_field="tutor",
            linked={"targets_reviewed": Linked("Targets discussed", show=lambda target: target.text)},
        ),
        HistorySource(
            key="activity_member",
            records=ActivityMember.history.filter(pupil__in=pupils),
            describe=lambda row: f"Member of {row.activity.name}" if row.activity else "Activity membership",
            fields=["joined_on", "left_on"],
            labels={"joined_on": "Joined", "left_on": "Left"},
            related=["activity"],
        ),
    ]
