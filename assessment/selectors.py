"""Set-based reads for the assessment pages: a constant number of queries whatever the class size.

The arithmetic (suggested overall, bands relative to the overall) is delegated to ``assessment.scales``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, IntegerField, OuterRef, Value

from pupils.models import Pupil, TeachingGroup
from schoolpl.models import AssessmentWindow

from . import roll, scales
from .models import Criterion, Focus, FocusJudgement, Judgement, Subject, TransitionalResult

#: Heat-map bands: a focus judgement relative to the pupil's overall judgement, in sub-levels.
BANDS = (
    ("band-well-below", "A level or more below overall"),
    ("band-below", "Below overall"),
    ("band-level", "In line with overall"),
    ("band-above", "Above overall"),
    ("band-well-above", "A level or more above overall"),
)


def band_for(focus_points: float | None, overall_points: float | None) -> str:
    """The heat-map band of a focus judgement against the overall (whole sub-levels from the scale module)."""
    if focus_points is None or overall_points is None:
        return "band-none"
    diff = scales.sublevels_between(overall_points, focus_points)
    levels = scales.POINTS_PER_LEVEL // scales.POINTS_PER_SUBLEVEL
    if diff <= -levels:
        return BANDS[0][0]
    if diff < 0:
        return BANDS[1][0]
    if diff == 0:
        return BANDS[2][0]
    if diff < levels:
        return BANDS[3][0]
    return BANDS[4][0]


@dataclass
class Cell:
    pupil_id: int
    focus: Focus | None  # None: the overall judgement
    pk: int | None = None
    grade: str = ""
    points: float | None = None
    version: int = 0
    previous: str = ""

    @property
    def key(self) -> str:
        return f"{self.pupil_id}-{self.focus.pk if self.focus else 'overall'}"


@dataclass
class Row:
    pupil: Pupil
    cells: list[Cell]
    overall: Cell
    suggestion: str = ""


@dataclass
class Grid:
    group: TeachingGroup
    window: AssessmentWindow
    previous_window: AssessmentWindow | None
    subject: Subject
    focuses: list[Focus]
    rows: list[Row] = field(default_factory=list)


def subjects_for_group(group: TeachingGroup, subjects) -> list[Subject]:
    return [s for s in subjects if s.group_subject == group.subject]


def previous_window(window: AssessmentWindow, windows) -> AssessmentWindow | None:
    earlier = [w for w in windows if w.start_date < window.start_date]
    return max(earlier, key=lambda w: w.start_date) if earlier else None


def group_pupils(group: TeachingGroup, access=None):
    """Current, on-roll members of a group (that the user may see), by surname."""
    pupils = Pupil.objects.in_group(group).on_roll()
    if access is not None:
        pupils = pupils.filter(pk__in=Pupil.objects.visible_to(access).values("pk"))
    return pupils.order_by("legal_surname", "legal_forename", "pk")


def subjects_with_focuses(school) -> list[Subject]:
    """The school's subjects, each with ``focus_list`` (its focuses in order). One query (a LEFT JOIN)."""
    subjects: dict[int, Subject] = {}
    rows = Subject.objects.filter(school=school).order_by("order", "name", "focuses__order", "focuses__code")
    for row in rows.values(
        "pk", "code", "name", "scale_code", "group_subject", "order",
        "focuses__pk", "focuses__code", "focuses__name", "focuses__order",
    ):  # fmt: skip
        subject = subjects.get(row["pk"])
        if subject is None:
            subject = Subject(
                pk=row["pk"], school=school, code=row["code"], name=row["name"], scale_code=row["scale_code"],
                group_subject=row["group_subject"], order=row["order"],
            )  # fmt: skip
            subject.focus_list = []
            subjects[row["pk"]] = subject
        if row["focuses__pk"] is not None:
            subject.focus_list.append(
                Focus(pk=row["focuses__pk"], subject=subject, code=row["focuses__code"], name=row["focuses__name"],
                      order=row["focuses__order"])
            )  # fmt: skip
    return list(subjects.values())


def grid(
    *, group: TeachingGroup, window: AssessmentWindow, subject: Subject, previous: AssessmentWindow | None, access=None
) -> Grid:
    """Pupils × focuses for a window, with last window's judgements.

    Two queries (three if ``subject`` has no ``focus_list`` yet): pupils, and one UNION of the focus and
    overall judgements of both windows.
    """
    scale = scales.BUILTIN_SCALES.get(subject.scale_code)
    focuses = getattr(subject, "focus_list", None)
    if focuses is None:
        focuses = list(Focus.objects.filter(subject=subject).order_by("order", "code"))
    pupils = list(
        group_pupils(group, access).only(
            "pk", "school_id", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename"
        )
    )
    windows = [window.pk] + ([previous.pk] if previous else [])
    members = [p.pk for p in pupils]
    fields = ("pk", "pupil_id", "focus_id", "window_id", "grade", "points", "version")
    focus_rows = FocusJudgement.objects.filter(subject_id=subject.pk, window_id__in=windows, pupil_id__in=members)
    overall_rows = Judgement.objects.filter(
        subject_id=subject.pk, window_id__in=windows, pupil_id__in=members
    ).annotate(focus_id=Value(None, output_field=IntegerField()))
    now: dict[tuple, tuple] = {}
    before: dict[tuple, str] = {}
    for pk, pupil_id, focus_id, window_id, grade, points, version in focus_rows.values_list(*fields).union(
        overall_rows.values_list(*fields), all=True
    ):
        if window_id == window.pk:
            now[(pupil_id, focus_id)] = (pk, grade, points, version)
        else:
            before[(pupil_id, focus_id)] = grade
    result = Grid(group=group, window=window, previous_window=previous, subject=subject, focuses=focuses)
    for pupil in pupils:
        cells = []
        for focus in [*focuses, None]:
            key = (pupil.pk, focus.pk if focus else None)
            pk, grade, points, version = now.get(key, (None, "", None, 0))
            cells.append(Cell(pupil.pk, focus, pk, grade, points, version, before.get(key, "")))
        suggestion = scales.suggest_overall([c.points for c in cells[:-1]], scale) if scale else None
        label = scale.label_for(suggestion) if scale is not None and suggestion is not None else ""
        result.rows.append(
            Row(
                pupil=pupil,
                cells=cells[:-1],
                overall=cells[-1],
                suggestion=label,
            )
        )
    return result


def cell_state(*, pupil_id: int, subject: Subject, window: AssessmentWindow, focus: Focus | None) -> Cell:
    """One cell as it is now (for "use theirs" and after a save)."""
    row: Judgement | FocusJudgement | None
    if focus is None:
        row = Judgement.objects.filter(pupil_id=pupil_id, subject=subject, window=window).first()
    else:
        row = FocusJudgement.objects.filter(pupil_id=pupil_id, focus=focus, window=window).first()
    if row is None:
        return Cell(pupil_id, focus)
    return Cell(pupil_id, focus, row.pk, row.grade, row.points, row.version)


# --- heat map and shared weaknesses ----------------------------------------------------------


@dataclass(frozen=True)
class Weakness:
    focus: Focus
    count: int  # pupils whose judgement in this focus is below their overall
    judged: int  # pupils with both a focus and an overall judgement
    share: float
    pupils: tuple[Pupil, ...]


def heat_map(grid_data: Grid) -> list[dict]:
    """Focus rows × pupil columns, each cell with its band (relative to the pupil's overall)."""
    rows = []
    for i, focus in enumerate(grid_data.focuses):
        cells = []
        for row in grid_data.rows:
            cell = row.cells[i]
            cells.append({"pupil": row.pupil, "grade": cell.grade, "band": band_for(cell.points, row.overall.points)})
        rows.append({"focus": focus, "cells": cells})
    return rows


def weaknesses_from_grid(grid_data: Grid) -> list[Weakness]:
    found = []
    for i, focus in enumerate(grid_data.focuses):
        below, judged = [], 0
        for row in grid_data.rows:
            focus_points, overall = row.cells[i].points, row.overall.points
            if focus_points is None or overall is None:
                continue
            judged += 1
            if focus_points < overall:
                below.append(row.pupil)
        share = len(below) / judged if judged else 0.0
        found.append(Weakness(focus, len(below), judged, share, tuple(below)))
    return sorted(found, key=lambda w: (-w.share, -w.count, w.focus.order))


def shared_weaknesses(group: TeachingGroup, window: AssessmentWindow, subject: Subject) -> list[Weakness]:
    """Focuses where pupils of a group sit below their own overall judgement, most widespread first.

    Each item: focus, count (pupils below), judged, share (count / judged) and the pupils. The basis for
    group curricular targets. Five queries, whatever the group size.
    """
    windows = AssessmentWindow.objects.filter(school_id=group.school_id)
    previous = previous_window(window, list(windows))
    return weaknesses_from_grid(grid(group=group, window=window, subject=subject, previous=previous))


# --- a pupil's spiky profile and history -----------------------------------------------------


def spiky_profile(*, pupil: Pupil, window: AssessmentWindow, subjects: list[Subject]) -> list[dict]:
    """Per subject: each focus judgement and the overall for one window. Three queries."""
    focuses = list(Focus.objects.filter(subject__in=subjects).order_by("subject__order", "order"))
    focus_judgements = {
        fj.focus_id: fj for fj in FocusJudgement.objects.filter(pupil=pupil, window=window).select_related("judged_by")
    }
    overall = {j.subject_id: j for j in Judgement.objects.filter(pupil=pupil, window=window)}
    profile = []
    for subject in subjects:
        items = []
        for focus in [f for f in focuses if f.subject_id == subject.pk]:
            fj = focus_judgements.get(focus.pk)
            over = overall.get(subject.pk)
            items.append(
                {
                    "focus": focus,
                    "judgement": fj,
                    "band": band_for(fj.points if fj else None, over.points if over else None),
                }
            )
        profile.append({"subject": subject, "focuses": items, "overall": overall.get(subject.pk)})
    return profile


def pupil_history(pupil: Pupil) -> list[Judgement]:
    """Every overall judgement of a pupil, oldest window first (one query)."""
    return list(
        Judgement.objects.filter(pupil=pupil)
        .select_related("subject", "window")
        .order_by("window__start_date", "subject__order")
    )


def pupil_transitional_results(pupil: Pupil) -> list[TransitionalResult]:
    return list(TransitionalResult.objects.filter(pupil=pupil).select_related("subject"))


def windows_with_judgements(pupil: Pupil, windows) -> list[AssessmentWindow]:
    ids = set(Judgement.objects.filter(pupil=pupil).values_list("window_id", flat=True).distinct())
    return [w for w in windows if w.pk in ids]


def judged_share(*, school, window: AssessmentWindow, today: dt.date | None = None) -> tuple[int, int, list[int]]:
    """(pupils with an overall judgement in ``window``, pupils on roll during the window who were in Year 1 or
    above then, those pupils' year groups then). The year group is the one at the window, not today's: last
    summer's Reception are today's Year 1 and were not assessed then. One query."""
    judged = Judgement.objects.filter(window=window, pupil=OuterRef("pk"))
    rows = roll.roll_at(school, window.start_date, window.end_date, today, judged=Exists(judged))
    assessed = [r for r in rows if r["year_then"] >= roll.FIRST_ASSESSED_YEAR]
    return sum(r["judged"] for r in assessed), len(assessed), sorted({r["year_then"] for r in assessed})


# --- one pupil's assessment in a subject for a window -----------------------------------------


def _level_key(level: str) -> tuple[int, float]:
    """P-scale steps, then W, then levels 1–8 (criteria levels are stored as text)."""
    text = level.strip().upper()
    if text in scales.PSCALE_LABELS:
        return (0, scales.PSCALE_LABELS.index(text))
    if text == "W":
        return (1, 0)
    return (2, float(text)) if text.isdigit() else (3, 0)


@dataclass
class FocusAssessment:
    focus: Focus
    judgement: FocusJudgement | None
    criteria_by_level: list[tuple[str, list]]  # [(level, [Criterion, …]), …] lowest level first
    met: set[int]

    @property
    def version(self) -> int:
        return self.judgement.version if self.judgement else 0

    @property
    def met_count(self) -> int:
        return len(self.met)


@dataclass
class PupilAssessment:
    focuses: list[FocusAssessment]
    overall: Judgement | None
    suggestion: str  # the suggested overall label, "" when no focus is judged


def pupil_assessment(*, pupil: Pupil, subject: Subject, window: AssessmentWindow, scale: scales.Scale):
    """Every focus of ``subject`` with the pupil's judgement and the criteria met, the overall judgement and the
    suggested overall. Four queries whatever the number of focuses, criteria or judgements: focuses with their
    criteria (one LEFT JOIN), focus judgements, criteria met, the overall judgement."""
    focuses: dict[int, Focus] = {}
    criteria: dict[int, list] = {}
    for row in (
        Focus.objects.filter(subject=subject)
        .order_by("order", "code", "criteria__order", "criteria__pk")
        .values("pk", "code", "name", "order", "criteria__pk", "criteria__level", "criteria__text")
    ):
        if row["pk"] not in focuses:
            focuses[row["pk"]] = Focus(
                pk=row["pk"], subject=subject, code=row["code"], name=row["name"], order=row["order"]
            )
            criteria[row["pk"]] = []
        if row["criteria__pk"] is not None:
            criteria[row["pk"]].append(
                Criterion(pk=row["criteria__pk"], focus_id=row["pk"], level=row["criteria__level"],
                          text=row["criteria__text"])
            )  # fmt: skip
    judgements = {
        fj.focus_id: fj
        for fj in FocusJudgement.objects.filter(pupil=pupil, subject=subject, window=window).select_related("judged_by")
    }
    met: dict[int, set[int]] = {}
    through = FocusJudgement.criteria_met.through
    rows = through.objects.filter(
        focusjudgement__pupil=pupil, focusjudgement__subject=subject, focusjudgement__window=window
    ).values_list("focusjudgement_id", "criterion_id")
    for judgement_id, criterion_id in rows:
        met.setdefault(judgement_id, set()).add(criterion_id)
    items = []
    for focus_id, focus in focuses.items():
        by_level: dict[str, list] = {}
        for criterion in criteria[focus_id]:
            by_level.setdefault(criterion.level, []).append(criterion)
        judgement = judgements.get(focus_id)
        items.append(
            FocusAssessment(
                focus=focus,
                judgement=judgement,
                criteria_by_level=sorted(by_level.items(), key=lambda kv: _level_key(kv[0])),
                met=met.get(judgement.pk, set()) if judgement else set(),
            )
        )
    overall = Judgement.objects.filter(pupil=pupil, subject=subject, window=window).select_related("judged_by").first()
    suggested = scales.suggest_overall([j.points for j in judgements.values()], scale)
    return PupilAssessment(
        focuses=items, overall=overall, suggestion=scale.label_for(suggested) if suggested is not None else ""
    )


# --- scales and what they mean ----------------------------------------------------------------

_SCALE_EXPLANATIONS = {
    "nc": "National Curriculum levels 1–8, each in sub-levels c (low), b (secure) and a (high); "
    f"a sub-level is {scales.POINTS_PER_SUBLEVEL} points and a whole level {scales.POINTS_PER_LEVEL}. "
    "W is working towards level 1; EP is exceptional performance.",
    "pscale": "P-scales, for pupils working below level 1. No published source gives their points, so these "
    "are an ascending default below W that the school may replace.",
    "nc_full": "P-scales followed by National Curriculum levels on one line, so a pupil working on P-scales "
    "is tracked on into level 1 and beyond.",
    "gcse_letter": "The old GCSE points scale: one grade is "
    f"{scales.POINTS_PER_LEVEL} points, and KS2 level 4 leads to grade C.",
    "gcse_numeric": "GCSE grades 9 (highest) to 1: the points are the grade; U scores nothing.",
    "ks2_scaled": "KS2 test scaled scores: the points are the score, and 100 is the expected standard.",
    "ks1_scaled": "KS1 test scaled scores (2016–2023): the points are the score, and 100 is the expected standard.",
    "ks2_ta": "KS2 teacher-assessment codes of 2016–2018 in order. The points only put the codes in order: "
    "differences and averages of them mean nothing.",
    "ks2_pk": "KS2 teacher-assessment codes from 2019 (pre-key stage standards PK1–PK6, then WTS, EXS, GDS) in "
    "order. The points only put the codes in order.",
    "ks1_ta": "KS1 teacher-assessment codes of 2016–2018 in order. The points only put the codes in order.",
    "ks1_pk": "KS1 teacher-assessment codes from 2019 (pre-key stage standards PK1–PK4, then WTS, EXS, GDS) in "
    "order. The points only put the codes in order.",
    "ks2_met": "Whether a pupil met the KS2 expected standard: HNM (has not met) or EXS. HNM is not below BLW: "
    "a pupil who has not met the standard may be working anywhere below it.",
    "ks1_met": "Whether a pupil met the KS1 expected standard (science): HNM (has not met) or EXS.",
    "ks2_pscale_nominal": "The DfE's nominal points for pupils on P-scales in KS2 progress measures "
    "(2017–18 cohorts): P1(i) to P3(ii) share one grade.",
}
_KIND_EXPLANATIONS = {
    scales.ScaleKind.CUSTOM: "The school's own scale (assessment without levels), lowest step first: the points "
    "order the steps, and the gap between two steps counts as progress.",
}


def scale_explanation(scale: scales.Scale) -> str:
    """One line on what a scale is and what its points mean (for the scales page)."""
    text = _SCALE_EXPLANATIONS.get(scale.code) if scale.kind != scales.ScaleKind.CUSTOM else None
    text = text or _KIND_EXPLANATIONS.get(scale.kind, "")
    lowest, highest = scale.grades[0], scale.grades[-1]
    span = f"{lowest.label} ({lowest.points:g} points) to {highest.label} ({highest.points:g})"
    return f"{text} {len(scale.grades)} steps, {span}.".strip()
