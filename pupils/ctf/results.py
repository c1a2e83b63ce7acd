"""Key stage 1 and 2 results since levels were withdrawn (2016 on), as a Common Transfer File carries them.

Each result reads as one of:

* a **scaled score** (tests): KS2 80–120, KS1 85–115 (KS1 tests 2016–2023), 100 the expected standard;
* a **teacher-assessment code** of one framework, lowest first: the interim frameworks of 2016–2018
  (KS1: BLW, PKF, WTS, EXS, GDS; KS2: BLW, PKF, PKE, PKG, WTS, EXS, GDS) or the pre-key stage
  standards from 2019 (KS1: PK1–PK4, KS2: PK1–PK6, then WTS, EXS, GDS). The two are kept apart: no
  published table says which PK standard an interim PKF equals;
* **met or not** (HNM "has not met", EXS; AS/NS, the tests' "achieved / not achieved the standard"):
  science teacher assessment, the tests' outcome, and HNM wherever it appears;
* a **status** with no attainment (A absent, D disapplied, EM the engagement model, B below the test …);
* a **level** (an NC level or P-scale step, before 2016), left to the subject's scale;
* or a **problem**: an unknown code, a code of the other key stage, a scaled score out of range.

Each framework's ``code`` is the code of the scale its results have points on (``assessment.scales``
builds those scales from the tables here). Pure module: no Django, no XML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "FRAMEWORKS",
    "STATUS_CODES",
    "SUBJECT_RESULT_COMPONENTS",
    "Framework",
    "ResultReading",
    "read_result",
]

#: Components that carry a subject's result (not a paper's marks).
SUBJECT_RESULT_COMPONENTS = frozenset({"", "TA", "TT", "LEVEL", "SCALED", "RESULT"})

#: The first year results are on the post-2014 curriculum's scales, and the first of the PK standards.
FIRST_POST2014_YEAR = 2016
FIRST_PK_YEAR = 2019

_TOP = (
    ("WTS", "Working towards the expected standard"),
    ("EXS", "Working at the expected standard"),
    ("GDS", "Working at greater depth within the expected standard"),
)


@dataclass(frozen=True)
class Framework:
    """One post-2014 scale of results: ordered codes (lowest first) or a range of scaled scores."""

    code: str
    name: str
    stage: str
    codes: tuple[tuple[str, str], ...] = ()
    scores: tuple[int, int] | None = None
    aliases: tuple[tuple[str, str], ...] = ()  # (other spelling, code): AS → EXS, NS → HNM

    def canonical(self, text: str) -> str | None:
        """The code ``text`` names on this framework (case-insensitive, aliases and ``PK 1`` allowed)."""
        key = re.sub(r"\s+", "", text).upper()
        key = dict(self.aliases).get(key, key)
        return key if key in dict(self.codes) else None


def _pk(count: int) -> tuple[tuple[str, str], ...]:
    return tuple((f"PK{n}", f"Pre-key stage standard {n}") for n in range(1, count + 1))


def _pk_spaced(count: int) -> tuple[tuple[str, str], ...]:
    return tuple((f"PK {n}", f"PK{n}") for n in range(1, count + 1))  # "PK 1" as some systems write it


_MET = (("HNM", "Has not met the expected standard"), ("EXS", "Met the expected standard"))
_MET_ALIASES = (("NS", "HNM"), ("AS", "EXS"))

FRAMEWORKS: dict[str, Framework] = {
    f.code: f
    for f in (
        Framework("ks2_scaled", "KS2 scaled scores", "KS2", scores=(80, 120)),
        Framework("ks1_scaled", "KS1 scaled scores (2016–2023)", "KS1", scores=(85, 115)),
        Framework(
            "ks2_ta",
            "KS2 teacher assessment (2016–2018)",
            "KS2",
            codes=(
                ("BLW", "Working below the pre-key stage standards"),
                ("PKF", "Pre-key stage: foundations for the expected standard"),
                ("PKE", "Pre-key stage: early development of the expected standard"),
                ("PKG", "Pre-key stage: growing development of the expected standard"),
                *_TOP,
            ),
        ),
        Framework("ks2_pk", "KS2 teacher assessment (2019 on)", "KS2", codes=(*_pk(6), *_TOP), aliases=_pk_spaced(6)),
        Framework(
            "ks1_ta",
            "KS1 teacher assessment (2016–2018)",
            "KS1",
            codes=(
                ("BLW", "Working below the pre-key stage standard"),
                ("PKF", "Pre-key stage: foundations for the expected standard"),
                *_TOP,
            ),
        ),
        Framework("ks1_pk", "KS1 teacher assessment (2019 on)", "KS1", codes=(*_pk(4), *_TOP), aliases=_pk_spaced(4)),
        Framework("ks2_met", "KS2 expected standard met", "KS2", codes=_MET, aliases=_MET_ALIASES),
        Framework("ks1_met", "KS1 expected standard met", "KS1", codes=_MET, aliases=_MET_ALIASES),
    )
}

#: Codes that record why there is no attainment to report: kept, never given points, never a problem.
STATUS_CODES = {
    "A": "absent, or not enough information for a judgement",
    "D": "disapplied from the national curriculum",
    "L": "left the school",
    "F": "will complete the key stage in a future year",
    "P": "completed the key stage in a previous year",
    "EM": "assessed under the engagement model",
    "B": "working below the standard of the test",
    "M": "missing",
    "T": "working at the standard of the test but unable to access it",
    "J": "just arrived",
    "H": "cheating",
    "Q": "maladministration",
    "NOTSEN": "not SEN (no P-scale judgement)",
}

_LEVEL_RE = re.compile(r"^(?:L?[1-8][ABC]?|W|EP|N)$")  # an NC level (before 2016)
_PSCALE_RE = re.compile(r"^P[1-8](?:\(?I{1,2}\)?)?$")  # P-scales, reported beside BLW until 2021
_INTEGER_RE = re.compile(r"^[+-]?\d+$")


@dataclass(frozen=True)
class ResultReading:
    """What a result says. ``kind`` is ``scaled``, ``code``, ``status``, ``level``, ``other`` (not KS1/KS2)
    or ``problem``; ``framework`` and ``label`` are set for ``scaled`` and ``code``; ``message`` says why a
    result is a problem, or what a status means."""

    kind: str
    framework: str | None = None
    label: str | None = None
    message: str = ""


def _score(stage: str, number: int) -> ResultReading:
    framework = FRAMEWORKS[f"{stage.lower()}_scaled"]
    low, high = framework.scores or (0, 0)
    if low <= number <= high:
        return ResultReading("scaled", framework.code, str(number))
    return ResultReading("problem", message=f"{number} is outside the {stage} scaled-score range {low}–{high}")


def _code_frameworks(stage: str, subject: str, method: str, year: int | None) -> tuple[str, ...]:
    """The frameworks a code is looked for on, first match first."""
    ks = stage.lower()
    met = (f"{ks}_met",)
    if subject in ("SCI", "SCIENCE") or method == "TT":
        return met
    interim, pk = f"{ks}_ta", f"{ks}_pk"
    # Without a year, codes both frameworks share are read on the interim one (as before 2019 files gave).
    by_year = (pk, interim) if year is not None and year >= FIRST_PK_YEAR else (interim, pk)
    return (*by_year, *met)


def _codes_hint(stage: str) -> str:
    ks = stage.lower()
    pk = "PK1–PK4" if stage == "KS1" else "PK1–PK6"
    interim = "BLW, PKF" if stage == "KS1" else "BLW, PKF, PKE, PKG"
    low, high = FRAMEWORKS[f"{ks}_scaled"].scores or (0, 0)
    return f"GDS, EXS, WTS, {pk}, {interim}, HNM, a status such as A, or a scaled score {low}–{high}"


def read_result(
    stage: str, result: str, *, subject: str = "", method: str = "", year: int | None = None
) -> ResultReading:
    """Read one KS1/KS2 result (see the module docstring). ``year`` is the calendar year of the result."""
    stage, subject, method = stage.strip().upper(), subject.strip().upper(), method.strip().upper()
    text = re.sub(r"\s+", "", result).upper()
    if stage not in ("KS1", "KS2"):
        return ResultReading("other")
    if not text:
        return ResultReading("problem", message="the result is empty")
    if text in STATUS_CODES:
        return ResultReading("status", label=text, message=STATUS_CODES[text])
    if year is not None and year < FIRST_POST2014_YEAR:
        return ResultReading("level")
    if _INTEGER_RE.match(text):
        number = int(text)
        small_ta = method != "TT" and year is None and 1 <= number <= 8  # an NC level written as a number
        return ResultReading("level") if small_ta else _score(stage, number)
    for code in _code_frameworks(stage, subject, method, year):
        if label := FRAMEWORKS[code].canonical(text):
            return ResultReading("code", code, label)
    if _PSCALE_RE.match(text) or (year is None and _LEVEL_RE.match(text)):
        return ResultReading("level")
    return ResultReading("problem", message=f"“{result.strip()}” is not a {stage} result ({_codes_hint(stage)})")
