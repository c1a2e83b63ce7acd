"""Scales: every attainment judgement becomes a number of points on an ordered scale.

Pure Python (plus numpy for the vectorised whole-level helper): no Django, no ORM. This module and
:mod:`assessment.analytics` are the only places in the product that know the points arithmetic.

A :class:`Scale` is an ordered tuple of :class:`Grade` objects whose points strictly ascend, so a
label maps to exactly one number and a number maps back to exactly one label.

National Curriculum points (average point score)
------------------------------------------------
Level *n* sub-levels c (low), b (secure) and a (high) score ``6n + 1``, ``6n + 3`` and ``6n + 5``:
1c = 7, 1b = 9 … 4b = 27 … 8a = 53. W (working towards level 1) = 3 and EP (exceptional
performance) = 57. One sub-level is 2 points and one whole level is 6 points.

P-scales
--------
P1(i), P1(ii), P2(i), P2(ii), P3(i), P3(ii), P4 … P8 sit below W. No published source gives
average point scores for them, so :data:`PSCALE` uses an ascending default below W that a school
may replace with :func:`pscale_with_points`. The DfE's 2017–18 nominal points for P-scale pupils in
KS2 progress measures are a separate scale, ``ks2_pscale_nominal``: P1(i)–P3(ii) share one
grade (59) and P4–P8 score 61, 63, 65, 67, 69.

Other built-in scales
---------------------
``nc_full`` (P-scales then NC, one line from P1(i) to EP); ``gcse_letter`` (U 0, G 16 … C 40 …
A* 58: 6 points a grade); ``gcse_numeric`` (U 0, 1–9 score 1–9).

Post-2014 results (2016 on) are on scales of their own, never NC levels, built from the code tables in
:mod:`pupils.ctf.results`: ``ks2_scaled`` (80–120) and ``ks1_scaled`` (85–115), whose points are the
score (100 is the expected standard; one step is one point); teacher assessment ``ks2_ta`` / ``ks1_ta``
(the 2016–2018 interim codes: BLW, PKF[, PKE, PKG], WTS, EXS, GDS) and ``ks2_pk`` / ``ks1_pk`` (2019 on:
PK1–PK6 / PK1–PK4, WTS, EXS, GDS), scoring 1, 2, 3 … lowest first: these points are **ordinal only** —
one step is one code, and differences or averages mean nothing; ``ks2_met`` / ``ks1_met`` (HNM 1, EXS 2:
whether the expected standard was met, as in science teacher assessment and the tests' outcome, AS/NS).
HNM is not a step below BLW: a pupil who has not met the standard may be working anywhere from BLW to
WTS. :func:`post2014_points` gives a post-2014 result its scale and points; :func:`same_line` says
whether a result's points can start a trajectory on a subject's scale.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from pupils.ctf.results import FRAMEWORKS, Framework, read_result

__all__ = [
    "BUILTIN_SCALES",
    "DEFAULT_PSCALE_POINTS",
    "EP_POINTS",
    "GCSE_C_FROM_KS2_L4",
    "GCSE_LETTER",
    "INTEGRATED_PSCALE_POINTS",
    "KS2_TA_CODES",
    "LEVEL_LINE",
    "NC",
    "NC_FULL",
    "POINTS_PER_LEVEL",
    "POINTS_PER_SUBLEVEL",
    "POST2014_SCALES",
    "PSCALE",
    "PSCALE_LABELS",
    "SUBLEVELS",
    "W_POINTS",
    "Grade",
    "Scale",
    "ScaleKind",
    "UnknownGrade",
    "custom_scale",
    "levels_between",
    "nc_full_scale",
    "nc_points",
    "nc_split",
    "post2014_points",
    "pscale_with_points",
    "same_line",
    "sublevels_between",
    "suggest_overall",
    "whole_level_labels",
    "whole_levels",
    "whole_levels_array",
]

POINTS_PER_SUBLEVEL = 2
POINTS_PER_LEVEL = 6
W_POINTS = 3
EP_POINTS = 57
NC_LEVELS = range(1, 9)
#: Sub-levels from low to high, and the words teachers also use for them.
SUBLEVELS = ("c", "b", "a")
SUBLEVEL_WORDS = {"low": "c", "secure": "b", "high": "a"}

#: KS2 level 4 (27 points) leads to GCSE grade C (40 points) on the old GCSE points scale.
GCSE_C_FROM_KS2_L4 = 13

PSCALE_LABELS = (
    "P1(i)", "P1(ii)", "P2(i)", "P2(ii)", "P3(i)", "P3(ii)", "P4", "P5", "P6", "P7", "P8",
)  # fmt: skip
#: Default P-scale points: ascending and below W. Not from a source; schools may override.
DEFAULT_PSCALE_POINTS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 2.9)
#: The National Strategies' integration of P-scales with NC points (DESIGN §3), the default a school's
#: P-scale progress is measured in: P7 to 1a (11) is 6 points, one level, so P8 = 6, P7 = 5, P6 = 4,
#: P5 = 3, P4 = 2, and P1(i)–P3(ii) share the points below 2 in equal steps of a quarter point (the
#: step from P3(ii) to P4 is a quarter point too). Judgements keep their recorded points
#: (:data:`DEFAULT_PSCALE_POINTS`, below W); these points only shape a P-scale pupil's expected line.
INTEGRATED_PSCALE_POINTS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 3.0, 4.0, 5.0, 6.0)

# Values within this distance of a grade's points count as that grade (float averaging noise).
_TOLERANCE = 1e-9


class UnknownGrade(ValueError):
    """A label that is not a grade on the scale it was given for."""


class ScaleKind(str, Enum):
    """What a scale's points mean."""

    LEVELS = "levels"  # NC levels and sub-levels, P-scales: differences are progress
    GRADES = "grades"  # GCSE grades
    SCALED_SCORE = "scaled_score"  # KS2 scaled scores: points are the score
    ORDINAL = "ordinal"  # codes whose points only put them in order
    NOMINAL = "nominal"  # DfE nominal points for pupils outside the tested range
    CUSTOM = "custom"  # a school's own scale


@dataclass(frozen=True)
class Grade:
    """One step of a scale. ``aliases`` are other spellings that :meth:`Scale.parse` accepts."""

    label: str
    points: float
    order: int
    description: str = ""
    aliases: tuple[str, ...] = ()


def _normalise(text: str) -> str:
    """Case- and whitespace-insensitive lookup key."""
    return " ".join(text.split()).casefold()


_PSCALE_RE = re.compile(r"^p\s*(\d)\s*(?:\(\s*(i{1,2})\s*\)|(i{1,2}))?$")
_NC_RE = re.compile(r"^(?:level|l)?\s*(\d)\s*(a|b|c|low|secure|high)?$")


def _canonical_label(key: str) -> str | None:
    """The canonical spelling of a P-scale or NC label written loosely, or None.

    ``p1 i``/``P1i`` → ``P1(i)``; ``L4b``/``4 secure``/``4`` → ``4b``; ``4 low`` → ``4c``.
    """
    if match := _PSCALE_RE.match(key):
        step, roman = match.group(1), match.group(2) or match.group(3)
        return f"P{step}({roman})" if roman else f"P{step}"
    if match := _NC_RE.match(key):
        level, sub = match.group(1), match.group(2) or "b"
        return f"{level}{SUBLEVEL_WORDS.get(sub, sub)}"
    return None


@dataclass(frozen=True)
class Scale:
    """An ordered scale of grades whose points strictly ascend.

    Parsing is tolerant of case and whitespace everywhere, and of the usual ways of writing NC
    levels (``4b``, ``L4b``, ``4 secure``, ``4 low``, ``4 high``, ``4`` meaning secure) and
    P-scales (``P1(i)``, ``P1i``, ``p1 i``).
    """

    code: str
    name: str
    kind: ScaleKind
    grades: tuple[Grade, ...]
    _by_key: dict[str, Grade] = field(init=False, repr=False, compare=False)
    _points: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.code.strip() or not self.name.strip():
            raise ValueError("A scale needs a code and a name.")
        if not self.grades:
            raise ValueError(f"Scale {self.code!r} has no grades.")
        by_key: dict[str, Grade] = {}
        for grade in self.grades:
            for spelling in (grade.label, *grade.aliases):
                key = _normalise(spelling)
                if not key:
                    raise ValueError(f"Scale {self.code!r}: grade labels must not be empty.")
                if key in by_key:
                    raise ValueError(f"Scale {self.code!r}: label {spelling!r} is used twice.")
                by_key[key] = grade
        for lower, higher in pairwise(self.grades):
            if not higher.order > lower.order:
                raise ValueError(f"Scale {self.code!r}: grades must be listed in ascending order.")
            if not higher.points > lower.points:
                raise ValueError(
                    f"Scale {self.code!r}: points must strictly ascend, but {higher.label} "
                    f"({higher.points:g}) is not above {lower.label} ({lower.points:g})."
                )
        if not all(math.isfinite(grade.points) for grade in self.grades):
            raise ValueError(f"Scale {self.code!r}: points must be finite numbers.")
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_points", tuple(grade.points for grade in self.grades))

    def parse(self, text: str) -> Grade:
        """The grade ``text`` names; raises :class:`UnknownGrade` if it names none on this scale."""
        key = _normalise(text)
        grade = self._by_key.get(key)
        if grade is None and (canonical := _canonical_label(key)):
            grade = self._by_key.get(_normalise(canonical))
        if grade is None:
            raise UnknownGrade(
                f"{text!r} is not a grade on the {self.name} scale ({self.code}). Allowed: {', '.join(self.labels())}."
            )
        return grade

    def points(self, label: str) -> float:
        """The points of the grade ``label`` names (tolerant, as :meth:`parse`)."""
        return self.parse(label).points

    def contains(self, label: str) -> bool:
        """Whether ``label`` names a grade on this scale (tolerant, as :meth:`parse`)."""
        try:
            self.parse(label)
        except UnknownGrade:
            return False
        return True

    def labels(self) -> tuple[str, ...]:
        """The canonical labels, lowest first."""
        return tuple(grade.label for grade in self.grades)

    def label_for(self, points: float) -> str:
        """The label of the grade with these points, else of the nearest grade below them.

        Raises ValueError for NaN or for points below the lowest grade.
        """
        index = bisect.bisect_right(self._points, self._checked(points) + _TOLERANCE) - 1
        if index < 0:
            lowest = self.grades[0]
            raise ValueError(
                f"{points:g} points is below the lowest grade on the {self.name} scale "
                f"({lowest.label} = {lowest.points:g})."
            )
        return self.grades[index].label

    def step_at_or_below(self, points: float) -> Grade:
        """The grade a target of ``points`` lands on: the step at or below them (27.12 -> 4b = 27).
        Points below the lowest grade land on the lowest grade. Raises ValueError for NaN."""
        index = bisect.bisect_right(self._points, self._checked(points) + _TOLERANCE) - 1
        return self.grades[max(index, 0)]

    def nearest(self, points: float) -> Grade:
        """The grade whose points are nearest; a tie goes to the lower grade."""
        index = bisect.bisect_left(self._points, self._checked(points))
        if index == 0:
            return self.grades[0]
        if index == len(self.grades):
            return self.grades[-1]
        below, above = self.grades[index - 1], self.grades[index]
        return above if above.points - points < points - below.points else below

    def next_grade(self, label: str) -> Grade | None:
        """The grade above ``label``'s, or None at the top."""
        order = self.grades.index(self.parse(label))
        return self.grades[order + 1] if order + 1 < len(self.grades) else None

    def previous_grade(self, label: str) -> Grade | None:
        """The grade below ``label``'s, or None at the bottom."""
        order = self.grades.index(self.parse(label))
        return self.grades[order - 1] if order > 0 else None

    @property
    def step(self) -> float:
        """The points of one step: the smallest gap between neighbouring grades (NC 2, a sub-level; a scaled
        score 1; an ordinal code 1); 0 for a scale of one grade."""
        return min((b - a for a, b in pairwise(self._points)), default=0.0)

    @property
    def min_points(self) -> float:
        return self._points[0]

    @property
    def max_points(self) -> float:
        return self._points[-1]

    def _checked(self, points: float) -> float:
        if math.isnan(points):
            raise ValueError(f"No grade on the {self.name} scale for missing (NaN) points.")
        return points


def _grades(rows: Iterable[tuple[Any, ...]]) -> tuple[Grade, ...]:
    """Grades numbered in the given (ascending) order from rows of
    ``(label, points[, description[, aliases]])``."""
    return tuple(Grade(label, float(points), order, *rest) for order, (label, points, *rest) in enumerate(rows))


# --- National Curriculum helpers -------------------------------------------------------------


def grade_label(points: float | None, scale: Scale | None, unit: str = "") -> str:
    """Points read as a grade of the scale ("4b"), the step at or below; where no grade fits (or no scale), the
    points themselves followed by ``unit`` ("19" or "19 points"); "" for no points."""
    if points is None or (isinstance(points, float) and math.isnan(points)):
        return ""
    if scale is not None:
        try:
            return scale.label_for(float(points))
        except ValueError:
            pass
    return f"{float(points):g}{unit}"


def nc_points(level: int, sublevel: str = "b") -> int:
    """Points for NC ``level`` (1–8) at ``sublevel`` c/b/a (or low/secure/high): 6n + 1/3/5."""
    sub = SUBLEVEL_WORDS.get(sublevel.strip().casefold(), sublevel.strip().casefold())
    if level not in NC_LEVELS:
        raise ValueError(f"NC levels run from 1 to 8, not {level!r}.")
    if sub not in SUBLEVELS:
        raise ValueError(f"Sub-levels are c, b, a (low, secure, high), not {sublevel!r}.")
    return POINTS_PER_LEVEL * level + 1 + POINTS_PER_SUBLEVEL * SUBLEVELS.index(sub)


def nc_split(points: float) -> tuple[int, str]:
    """The (level, sub-level) of NC sub-level points: 27 → (4, "b"). Inverse of :func:`nc_points`."""
    lowest, highest = nc_points(NC_LEVELS[0], "c"), nc_points(NC_LEVELS[-1], "a")
    if not (float(points).is_integer() and int(points) % 2 == 1 and lowest <= points <= highest):
        raise ValueError(f"{points!r} is not the points of an NC sub-level (odd, {lowest}–{highest}).")
    level, rest = divmod(int(points) - 1, POINTS_PER_LEVEL)
    return level, SUBLEVELS[rest // POINTS_PER_SUBLEVEL]


def levels_between(start_points: float, end_points: float) -> float:
    """Progress in (fractional) levels: the points difference / 6."""
    return (end_points - start_points) / POINTS_PER_LEVEL


def sublevels_between(start_points: float, end_points: float) -> float:
    """Progress in (fractional) sub-levels: the points difference / 2."""
    return (end_points - start_points) / POINTS_PER_SUBLEVEL


# Whole levels. NC: below 1c (W and P-scales) is 0, 1c–1a (and anything up to 2c) is 1 … 8,
# EP is 9. GCSE letter grades count as levels the way RAISEonline's KS2–KS4 measures did
# (U 0, G 3, F 4, E 5, D 6, C 7, B 8, A 9, A* 10), so KS2 level 4 → C is three levels.
_EP_LEVEL = 9
_WHOLE_LEVEL_LABELS: dict[str, dict[int, str]] = {
    "nc": {0: "W", **{level: str(level) for level in NC_LEVELS}, _EP_LEVEL: "EP"},
    "gcse_letter": {0: "U", 3: "G", 4: "F", 5: "E", 6: "D", 7: "C", 8: "B", 9: "A", 10: "A*"},
}
_WHOLE_LEVEL_LABELS["nc_full"] = _WHOLE_LEVEL_LABELS["nc"]
_GCSE_G_POINTS = 16


def whole_levels_array(points: ArrayLike, scale_code: str = "nc") -> np.ndarray:
    """Vectorised whole levels (float array, NaN where points are missing).

    ``scale_code`` is ``"nc"`` (or ``"nc_full"``: P-scales count as 0 like W) or
    ``"gcse_letter"``. A value between grades takes the level of the grade at or below it.
    """
    values = np.asarray(points, dtype=float)
    if scale_code in ("nc", "nc_full"):
        levels = np.clip(np.floor((values - 1 + _TOLERANCE) / POINTS_PER_LEVEL), 0, NC_LEVELS[-1])
        return np.where(values >= EP_POINTS - _TOLERANCE, _EP_LEVEL, levels)
    if scale_code == "gcse_letter":
        levels = np.floor((values + 2 + _TOLERANCE) / POINTS_PER_LEVEL)
        return np.where(values < _GCSE_G_POINTS - _TOLERANCE, 0.0, levels)
    raise _not_a_level_scale(scale_code)


def whole_levels(points: float | None) -> int | None:
    """The whole NC level of a points value: 7–11 → 1 … 49–53 → 8; below 7 → 0; EP → 9.

    None when ``points`` is None or NaN.
    """
    if points is None or math.isnan(points):
        return None
    return int(whole_levels_array(points))


def whole_level_labels(scale_code: str = "nc") -> dict[int, str]:
    """Every whole level of a level scale with its display label, lowest first (0 → "W" on NC)."""
    if scale_code not in _WHOLE_LEVEL_LABELS:
        raise _not_a_level_scale(scale_code)
    return dict(_WHOLE_LEVEL_LABELS[scale_code])


def _not_a_level_scale(scale_code: str) -> ValueError:
    return ValueError(f"Whole levels are defined for {sorted(_WHOLE_LEVEL_LABELS)}, not {scale_code!r}.")


# --- Built-in scales -------------------------------------------------------------------------

NC = Scale(
    code="nc",
    name="National Curriculum levels",
    kind=ScaleKind.LEVELS,
    grades=_grades(
        [("W", W_POINTS, "Working towards level 1")]
        + [
            (f"{level}{sub}", nc_points(level, sub), f"Level {level} {word}")
            for level in NC_LEVELS
            for sub, word in zip(SUBLEVELS, ("low", "secure", "high"), strict=True)
        ]
        + [("EP", EP_POINTS, "Exceptional performance", ("Exceptional", "Exceptional performance"))]
    ),
)


def pscale_with_points(mapping: Mapping[str, float]) -> Scale:
    """The P-scale with a school's own points: one entry per step (keys parsed tolerantly).

    Raises ValueError unless every step P1(i)…P8 has points and they strictly ascend.
    """
    points_by_label: dict[str, float] = {}
    for label, points in mapping.items():
        canonical = PSCALE.parse(label).label
        if canonical in points_by_label:
            raise ValueError(f"P-scale step {canonical} is given twice.")
        points_by_label[canonical] = float(points)
    missing = [label for label in PSCALE_LABELS if label not in points_by_label]
    if missing:
        raise ValueError(f"P-scale points missing for: {', '.join(missing)}.")
    return _pscale([points_by_label[label] for label in PSCALE_LABELS])


def _pscale(points: Sequence[float]) -> Scale:
    return Scale(
        code="pscale",
        name="P-scales",
        kind=ScaleKind.LEVELS,
        grades=_grades(zip(PSCALE_LABELS, points, strict=True)),
    )


def nc_full_scale(pscale: Scale | None = None) -> Scale:
    """P-scales followed by NC levels, so a P-scale pupil is tracked on one line into level 1.

    ``pscale`` defaults to :data:`PSCALE`; its points must all be below W (3).
    """
    steps = (pscale or PSCALE).grades
    return Scale(
        code="nc_full",
        name="P-scales and National Curriculum levels",
        kind=ScaleKind.LEVELS,
        grades=tuple(replace(grade, order=order) for order, grade in enumerate(steps + NC.grades)),
    )


PSCALE = _pscale(DEFAULT_PSCALE_POINTS)
NC_FULL = nc_full_scale()

GCSE_LETTER = Scale(
    code="gcse_letter",
    name="GCSE grades A*–G",
    kind=ScaleKind.GRADES,
    grades=_grades([("U", 0), ("G", 16), ("F", 22), ("E", 28), ("D", 34), ("C", 40), ("B", 46), ("A", 52), ("A*", 58)]),
)

#: KS2 teacher-assessment codes of 2016–2018, lowest first. HNM is not one of them: see ``ks2_met``.
KS2_TA_CODES = FRAMEWORKS["ks2_ta"].codes


def _post2014_scale(framework: Framework) -> Scale:
    """A post-2014 framework as a scale: scaled scores are their own points; codes score 1, 2, 3 … (ordinal)."""
    if framework.scores is not None:
        low, high = framework.scores
        scores = ((str(n), n, "Expected standard" if n == 100 else "") for n in range(low, high + 1))
        return Scale(framework.code, framework.name, ScaleKind.SCALED_SCORE, _grades(scores))
    aliases = {code: tuple(a for a, c in framework.aliases if c == code) for code, _ in framework.codes}
    rows = ((code, order, text, aliases[code]) for order, (code, text) in enumerate(framework.codes, 1))
    return Scale(framework.code, framework.name, ScaleKind.ORDINAL, _grades(rows))


BUILTIN_SCALES: dict[str, Scale] = {
    scale.code: scale
    for scale in (
        NC,
        PSCALE,
        NC_FULL,
        GCSE_LETTER,
        Scale(
            code="gcse_numeric",
            name="GCSE grades 9–1",
            kind=ScaleKind.GRADES,
            grades=_grades([("U", 0)] + [(str(n), n) for n in range(1, 10)]),
        ),
        *(_post2014_scale(framework) for framework in FRAMEWORKS.values()),
        Scale(
            # DfE nominal points for P-scale pupils in KS2 progress measures (2017-18 cohorts).
            code="ks2_pscale_nominal",
            name="KS2 nominal points for P-scales (2017-18)",
            kind=ScaleKind.NOMINAL,
            grades=_grades(
                [("P1(i)-P3(ii)", 59, "P1(i) to P3(ii)", PSCALE_LABELS[:6])]
                + [("P4", 61), ("P5", 63), ("P6", 65), ("P7", 67), ("P8", 69)]
            ),
        ),
    )
}


#: Scales whose points are shared: a result on one can start a trajectory on another (P-scale points sit
#: below W on both ``pscale`` and ``nc_full``, and NC sub-levels score the same on ``nc`` and ``nc_full``).
LEVEL_LINE = frozenset({"nc", "nc_full", "pscale"})
#: The scales of post-2014 results (2016 on).
POST2014_SCALES = frozenset(FRAMEWORKS)


def post2014_points(
    result: str, *, stage: str = "KS2", subject: str = "", method: str = "", year: int | None = None
) -> tuple[str, float] | None:
    """The ``(scale code, points)`` of a post-2014 KS1/KS2 result on its own scale, or None (a status such as
    A, a level, an unknown code, a scaled score out of range: see :func:`pupils.ctf.results.read_result`).

    ``"104"`` → ``("ks2_scaled", 104)``; ``"EXS"`` → ``("ks2_ta", 6)`` (``("ks2_pk", 8)`` with a year from
    2019); ``"HNM"`` → ``("ks2_met", 1)``. Points on the TA and met scales are ordinal: a trajectory may
    start from them only on the same scale, and differences between them are steps, not amounts.
    """
    reading = read_result(stage, result, subject=subject, method=method, year=year)
    if reading.framework is None or reading.label is None:
        return None
    return reading.framework, BUILTIN_SCALES[reading.framework].points(reading.label)


def same_line(result_scale: str, subject_scale: str) -> bool:
    """Whether points on ``result_scale`` can start a trajectory on ``subject_scale``: the same scale, or both
    NC / P-scale points. A post-2014 result never starts an NC-level trajectory. A blank ``result_scale`` (a
    result stored before results named their scale) is taken to be on the subject's scale."""
    return not result_scale or result_scale == subject_scale or {result_scale, subject_scale} <= LEVEL_LINE


def custom_scale(code: str, name: str, steps: Sequence[tuple[str, float]]) -> Scale:
    """A school's own scale ("assessment without levels"), e.g.
    ``[("Working towards", 1), ("Expected", 2), ("Greater depth", 3)]``.

    Raises ValueError if the code is a built-in scale's, unless labels are non-empty and unique
    (ignoring case and spacing), or unless the points strictly ascend.
    """
    if code in BUILTIN_SCALES:
        raise ValueError(f"{code!r} is the code of a built-in scale; choose another.")
    return Scale(
        code=code,
        name=name,
        kind=ScaleKind.CUSTOM,
        grades=_grades((label.strip(), points) for label, points in steps),
    )


def suggest_overall(focus_points: Sequence[float | None], scale: Scale | None = None) -> float | None:
    """Suggest an overall judgement from per-focus judgements; the teacher decides.

    Rule: the median of the judged focuses (None/NaN are unjudged and ignored), rounded to the
    points of the nearest grade on ``scale`` (default NC, whose sub-levels are the odd points
    7–53, with W = 3 and EP = 57); a median exactly half-way goes to the lower grade, so the
    suggestion never overstates attainment. None when no focus is judged.
    """
    judged = [p for p in focus_points if p is not None and not math.isnan(p)]
    if not judged:
        return None
    return (scale or NC).nearest(float(np.median(judged))).points
