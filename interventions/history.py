"""Interventions on the history page (``schoolpl.history``): places in provision, session attendance, entry
and exit judgements (shown as grades), classroom follow-up, score cards, learning-potential aims, pupil passports
and (for the SENCO and leaders only) multi-agency work."""

from __future__ import annotations

from assessment.history import points_as_grade
from schoolpl.history import HistorySource
from schoolpl.roles import Cap

from .models import (
    Adjustment,
    AgencyInvolvement,
    FollowUp,
    ImpactJudgement,
    LearningAim,
    Passport,
    PassportReview,
    ProvisionPupil,
    ScoreCard,
    SessionAttendance,
)
from .support_selectors import sees_agency_work

READ = (Cap.READ_INTERVENTIONS_ALL, Cap.READ_INTERVENTIONS_OWN, Cap.EDIT_INTERVENTIONS)


def history_sources(access, *, pupils, group=None) -> list[HistorySource]:
    if access is None or not access.sees_pupil_names or not access.can(*READ):
        return []
    grade = points_as_grade(access.school)

    def impact_grade(row, points) -> str:
        return row.grade or grade(row.place.provision.programme.subject, points)

    places = ProvisionPupil.history.filter(pupil__in=pupils)
    attendance = SessionAttendance.history.filter(pupil__in=pupils)
    impact = ImpactJudgement.history.filter(place__pupil__in=pupils)
    follow_ups = FollowUp.history.filter(place__pupil__in=pupils)
    cards = ScoreCard.history.filter(pupil__in=pupils)
    aims = LearningAim.history.filter(pupil__in=pupils)
    if group is not None:
        # On a teaching group's page: the provision in the group's subject (reading catch-up for English).
        subject = group.subject
        places = places.filter(provision__programme__subject__group_subject=subject)
        attendance = attendance.filter(session__provision__programme__subject__group_subject=subject)
        impact = impact.filter(place__provision__programme__subject__group_subject=subject)
        follow_ups = follow_ups.filter(place__provision__programme__subject__group_subject=subject)
    sources = [
        HistorySource(
            key="provision_place",
            records=places,
            describe=lambda row: f"Place in {row.provision.name} ({row.provision.programme.name})",
            fields=["joined_on", "left_on", "leaving_reason"],
            labels={"joined_on": "Joined", "left_on": "Left", "leaving_reason": "Why they left"},
            related=["provision__programme"],
        ),
        HistorySource(
            key="session_attendance",
            records=attendance,
            describe=lambda row: f"Attendance at {row.session.provision.name} on {row.session.date:%d/%m/%Y}",
            fields=["present"],
            labels={"present": "Present"},
            by_field="session__led_by",
            related=["session__provision"],
        ),
        HistorySource(
            key="impact_judgement",
            records=impact,
            describe=lambda row: f"{row.get_kind_display()} judgement for {row.place.provision.name}",
            fields=["points", "judged_on"],
            labels={"points": "Grade", "judged_on": "Judged on"},
            formatters={"points": impact_grade},
            pupil="place__pupil",
            by_field="recorded_by",
            related=["place__provision__programme__subject"],
        ),
        HistorySource(
            key="follow_up",
            records=follow_ups,
            describe=lambda row: f"Classroom follow-up of {row.place.provision.name}",
            fields=["learned", "recorded_on", "classroom_note", "followed_up_on"],
            labels={"learned": "Learned in the intervention", "classroom_note": "How it was followed up in class"},
            pupil="place__pupil",
            by_field="recorded_by",
            related=["place__provision"],
        ),
    ]
    if group is None:  # needs assessment belongs to the pupil, not to a subject
        sources += [
            HistorySource(
                key="score_card",
                records=cards,
                describe=lambda row: f"Score card of {row.taken_on:%d/%m/%Y}",
                fields=["taken_on", "referred", "notes"],
                by_field="recorded_by",
            ),
            HistorySource(
                key="learning_aim",
                records=aims,
                describe=lambda row: "Learning-potential aim",
                fields=["aim", "blockers", "enablers", "status"],
                by_field="created_by",
            ),
        ]
        sources += _support_sources(access, pupils)
    return sources


def _support_sources(access, pupils) -> list[HistorySource]:
    sources = [
        HistorySource(
            key="passport",
            records=Passport.history.filter(pupil__in=pupils),
            describe=lambda row: "Pupil passport",
            fields=[
                "about_me",
                "find_hard",
                "helps_me",
                "contributors",
                "pupil_contributed",
                "reviewed_on",
                "next_review_on",
            ],
            by_field="updated_by",
        ),  # fmt: skip
        HistorySource(
            key="passport_review",
            records=PassportReview.history.filter(passport__pupil__in=pupils),
            describe=lambda row: "Review of the pupil passport",
            fields=["reviewed_on", "pupil_contributed", "notes"],
            pupil="passport__pupil",
            by_field="reviewed_by",
        ),
        HistorySource(
            key="passport_adjustment",
            records=Adjustment.history.filter(passport__pupil__in=pupils),
            describe=lambda row: f"Passport adjustment ({row.get_kind_display()})",
            fields=["kind", "description", "added_on", "ended_on"],
            pupil="passport__pupil",
        ),
    ]
    if sees_agency_work(access):
        sources.append(
            HistorySource(
                key="agency_involvement",
                records=AgencyInvolvement.history.filter(pupil__in=pupils),
                describe=lambda row: f"{row.get_kind_display()}: {row.get_service_display()}",
                fields=["referred_on", "first_contact_on", "closed_on", "lead_professional", "reason", "outcome"],
                labels={"reason": "Why"},
                by_field="recorded_by",
            )
        )
    return sources
