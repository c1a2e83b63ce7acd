"""Annex evidence: feedback to pupils and parents (2d), communication with parents (9a), extended activities
(8a, 8b, 8c), the personal tutor's role (9c) and pupil and parent voice (2d, 9a). Aggregates only, a constant
number of queries; a SIP reads them, so each figure names its denominator, is true for the period (the roll
then, not today's) and hides small counts (``assessment.roll``). The review pages list pupils, so those
figures link to none; the activities' and surveys' figures link to their aggregate pages."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q

from assessment.roll import count, on_roll_between, share
from pupils.models import TutorAssignment
from schoolpl.evidence import Evidence

from . import activities, voice
from .models import ProgressReview, Report, Survey


def evidence(school, start: date, end: date) -> list[Evidence]:
    threshold = school.small_count_threshold
    period = f"{start:%-d %b %Y} to {end:%-d %b %Y}"
    reviewed = ProgressReview.objects.filter(pupil=OuterRef("pk"), held_on__gte=start, held_on__lte=end)
    tutored = TutorAssignment.objects.current(end).filter(pupil=OuterRef("pk"))
    pupils = on_roll_between(school, start, end).aggregate(
        total=Count("pk"),
        reviewed=Count("pk", filter=Q(Exists(reviewed))),
        tutored=Count("pk", filter=Q(Exists(tutored))),
    )  # 1 query
    reports = Report.objects.filter(school=school, released_at__date__gte=start, released_at__date__lte=end).aggregate(
        released=Count("pk"), read=Count("pk", filter=Q(first_read_at__isnull=False))
    )  # 1 query
    reviews = ProgressReview.objects.filter(school=school, held_on__gte=start, held_on__lte=end).aggregate(
        total=Count("pk"), with_parent=Count("pk", filter=Q(parent_attended=True))
    )  # 1 query
    on_roll = f"pupils on roll from {period}"
    reviewed_item = Evidence(
        "2d",
        "Pupils who reviewed their progress with their personal tutor in the period",
        share(pupils["reviewed"], pupils["total"], threshold, on_roll),
        "Pupils on roll at some time in the period with at least one progress review dated in it.",
    )
    if reports["released"]:
        read_value = (
            f"{count(reports['released'], threshold)} released; "
            f"{share(reports['read'], reports['released'], threshold, 'reports released')} opened online"
        )
    else:
        read_value = "no reports released in the period"
    released_read = Evidence(
        "2d",
        "Reports to parents released in the period, and opened by the family",
        read_value,
        "Termly reports released in the period; 'opened' means a parent or the pupil opened it in the portal.",
    )
    return [
        reviewed_item,
        released_read,
        Evidence("9a", released_read.label, released_read.value, released_read.method),
        Evidence(
            "9a",
            "Progress reviews a parent or carer attended",
            share(reviews["with_parent"], reviews["total"], threshold, "progress reviews held in the period"),
            "Reviews held in the period at which a parent or carer was recorded as attending, of all reviews held.",
        ),
        Evidence(
            "9c",
            "Pupils with a personal tutor",
            share(pupils["tutored"], pupils["total"], threshold, on_roll),
            "Pupils on roll at some time in the period with a personal-tutor assignment current at its end.",
        ),
        Evidence("9c", reviewed_item.label, reviewed_item.value, reviewed_item.method),
        *activity_evidence(school, start, end),
        *voice_evidence(school, start, end),
    ]


def activity_evidence(school, start: date, end: date) -> list[Evidence]:
    """8a activities offered and attended, 8b attendance by group against the rest, 8c parents and the
    community: three queries."""
    threshold = school.small_count_threshold
    figures = activities.attendance_by_group(school, start, end)
    held = activities.session_figures(school, start, end)
    link = {"url_name": "partnership:activities_summary", "url_query": f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"}
    on_roll = "pupils on roll in the period"
    items = [
        Evidence(
            "8a",
            "Clubs and out-of-hours activities offered, and sessions held",
            f"{held['offered']} activities running; {held['sessions']} sessions of {held['activities_held']} held",
            "Activities whose dates overlap the period, and sessions with a date in it.",
            **link,
        ),
        Evidence(
            "8a",
            "Pupils who attended at least one club or activity session",
            share(figures["attended"], figures["total"], threshold, on_roll),
            "Pupils on roll at some time in the period marked present at one session or more dated in it.",
            **link,
        ),
    ]
    # Every reader of the self-review sees these, class teachers included, and the evidence hook does not know
    # the reader: the FSM gap is on the summary page behind the link, for those the access layer lets see it.
    for row in activities.group_rows(figures, threshold, fsm=False):
        gap = f"; gap {row['gap']:+d} percentage points" if row["gap"] is not None else ""
        items.append(
            Evidence(
                "8b",
                f"Attending a club or activity: {row['who']} against other pupils",
                f"{row['group']} against {row['rest']}{gap}",
                "Pupils on roll in the period present at one activity session or more in it, in the group and not.",
                **link,
            )
        )
    items += [
        Evidence(
            "8c",
            "Activity sessions involving parents, carers or the community",
            f"{held['involving']} of {held['sessions']} sessions held" if held["sessions"] else "no sessions held",
            "Sessions in the period of activities marked as involving parents or carers, or the community.",
            **link,
        ),
        Evidence(
            "8c",
            "Parents and carers at activity sessions",
            f"{count(held['parents'], threshold)} attendances by parents and carers; "
            f"{count(held['community'], threshold)} by members of the community",
            "The numbers recorded on each session's register in the period, added up (a parent at two sessions"
            " counts twice).",
            **link,
        ),
    ]
    return items


def voice_evidence(school, start: date, end: date) -> list[Evidence]:
    """2d the latest pupil survey closed in the period, 9a the latest parent survey: who answered, and the share
    agreeing with its key statement. At most seven queries."""
    threshold = school.small_count_threshold
    latest = voice.latest_closed(school, until=end, since=start)
    items = []
    for code, audience, who in (("2d", Survey.Audience.PUPILS, "Pupils"), ("9a", Survey.Audience.PARENTS, "Families")):
        survey = latest.get(audience)
        if survey is None:
            items.append(
                Evidence(
                    code,
                    f"{who} who answered a survey of their views",
                    "no survey closed in the period",
                    "Surveys of pupils' or parents' views that closed in the period.",
                )
            )
            continue
        rate, statement, agreeing = voice.key_figures(survey, threshold)
        link = {"url_name": "partnership:voice", "url_query": f"survey={survey.pk}"}
        items += [
            Evidence(code, f"{who} who answered the survey “{survey.title}”", rate,
                     "Responses (in the portal or on paper) of those on roll in the year groups asked.", **link),
            Evidence(code, f"Agreeing that “{statement}”", agreeing,
                     "Answers of agree or strongly agree to the survey's key statement, of all answers to it.", **link),
        ]  # fmt: skip
    return items
