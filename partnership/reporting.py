"""Writing the termly report for parents: gather a batch of pupils' data in a constant number of queries and
turn it into the plain-language snapshot stored on ``Report.content``."""

from __future__ import annotations

from collections import defaultdict

from assessment import scales
from assessment.models import Judgement
from interventions import coverage
from pupils.models import Pupil, TutorAssignment
from targets.models import CurricularTarget, ProgressStatus, PupilTarget

from . import wording

CHART_WINDOWS = 6  # how many windows of history the chart shows


def _scale_label(scale_code: str, points: float | None) -> str:
    scale = scales.BUILTIN_SCALES.get(scale_code)
    if scale is None or points is None:
        return ""
    try:
        return scale.nearest(points).label
    except ValueError:
        return ""


def build_contents(school, window, pupils: list[Pupil]) -> dict[int, dict]:
    """The report content for each of ``pupils`` at ``window``. Six queries whatever the batch size:
    judgements, statuses, numeric targets, curricular targets, tutors, and the pupils' current wave 2/3 provision."""
    ids = [p.pk for p in pupils]
    judgements: defaultdict[int, list[Judgement]] = defaultdict(list)
    for j in (
        Judgement.objects.filter(pupil_id__in=ids, window__end_date__lte=window.end_date)
        .select_related("subject", "window")
        .order_by("window__start_date", "subject__order", "subject__name")
    ):
        judgements[j.pupil_id].append(j)
    statuses: defaultdict[int, dict[int, ProgressStatus]] = defaultdict(dict)
    for s in ProgressStatus.objects.filter(pupil_id__in=ids, window=window):
        statuses[s.pupil_id][s.subject_id] = s
    numeric: defaultdict[int, dict[int, PupilTarget]] = defaultdict(dict)
    for t in PupilTarget.objects.filter(pupil_id__in=ids, status=PupilTarget.Status.ACTIVE):
        numeric[t.pupil_id][t.subject_id] = t
    curricular: defaultdict[int | None, list[CurricularTarget]] = defaultdict(list)  # a pupil-level target has a pupil
    for ct in (
        CurricularTarget.objects.filter(pupil_id__in=ids, status=CurricularTarget.Status.ACTIVE)
        .select_related("subject")
        .order_by("review_date", "pk")
    ):
        curricular[ct.pupil_id].append(ct)
    tutors = {
        a.pupil_id: a.tutor.display_name
        for a in TutorAssignment.objects.current(window.end_date)
        .filter(pupil_id__in=ids)
        .select_related("tutor")
        .order_by("start_date")
    }
    support = coverage.provision_for(school, ids)
    return {
        p.pk: _content(
            school,
            window,
            p,
            judgements[p.pk],
            statuses[p.pk],
            numeric[p.pk],
            curricular[p.pk],
            tutors.get(p.pk, ""),
            [support[p.pk]] if p.pk in support else [],
        )
        for p in pupils
    }


def _content(school, window, pupil, judgements, statuses, numeric, curricular, tutor, support) -> dict:
    latest: dict[int, Judgement] = {}
    for j in judgements:  # ordered by window, so the last one wins
        latest[j.subject_id] = j
    subjects = [
        _subject_row(j, statuses.get(j.subject_id), numeric.get(j.subject_id))
        for j in sorted(latest.values(), key=lambda j: (j.subject.order, j.subject.name))
    ]
    tracked = [s["status"] for s in subjects if s["status"]]
    behind_codes = [s["code"] for s in subjects if s["status"] and s["status"] not in wording.ON_TRACK_STATUSES]
    target_codes = [t.subject.code for t in curricular if t.subject]
    return {
        "school": school.name,
        "pupil": {"name": pupil.display_name, "year": pupil.year_label, "form": pupil.form},
        "window": {"name": window.name, "end": window.end_date.isoformat()},
        "tutor": tutor,
        "on_track": bool(tracked) and all(s in wording.ON_TRACK_STATUSES for s in tracked),
        "summary": wording.overall_on_track(tracked),
        "subjects": subjects,
        "targets": [_curricular_row(t) for t in curricular],
        "help_at_home": wording.help_at_home(behind_codes + target_codes),
        "support": list(support),
        "chart": _chart(judgements),
    }


def _subject_row(j: Judgement, status: ProgressStatus | None, target: PupilTarget | None) -> dict:
    """One subject of the report: the latest grade in words, the progress status, the numeric target."""
    code = status.status if status else None
    return {
        "code": j.subject.code,
        "name": j.subject.name,
        "grade": j.grade,
        "words": wording.grade_in_words(j.grade, j.points, j.subject.scale_code),
        "assessed_in": j.window.name,
        "status": code or "",
        "status_words": wording.status_in_words(code),
        "explained": wording.status_explained(code),
        "target": _target_words(j.subject.scale_code, target),
    }


def _target_words(scale_code: str, target: PupilTarget | None) -> str:
    """The numeric target in words with its date; empty without a target on a known step of the scale."""
    if target is None:
        return ""
    label = _scale_label(scale_code, target.target_points)
    if not label:
        return ""
    return f"{wording.grade_in_words(label, target.target_points, scale_code)} by {target.target_date:%B %Y}"


def _curricular_row(t: CurricularTarget) -> dict:
    return {
        "id": t.pk,
        "text": t.text,
        "pupil_words": t.pupil_words,
        "subject": t.subject.name if t.subject else "",
        "review_date": t.review_date.isoformat() if t.review_date else "",
    }


def _chart(judgements) -> dict:
    """Points over the last few windows, one line per subject: {labels, series:[{name, points}]}."""
    windows: list[tuple] = []
    for j in judgements:
        key = (j.window.start_date, j.window.name)
        if key not in windows:
            windows.append(key)
    windows = sorted(windows)[-CHART_WINDOWS:]
    names = [name for _, name in windows]
    by_subject: dict[str, dict[str, float]] = {}
    for j in judgements:
        if j.subject.scale_code not in {"nc", "nc_full"}:
            continue  # one chart, one scale: level points
        by_subject.setdefault(j.subject.name, {})[j.window.name] = j.points
    return {
        "labels": names,
        "series": [{"name": s, "points": [pts.get(n) for n in names]} for s, pts in by_subject.items()],
    }


def pupils_for_reports(school, year_group: int):
    return Pupil.objects.in_school(school).on_roll().filter(year_group=year_group).order_by("pk")
