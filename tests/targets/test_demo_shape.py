"""The default demo school has England's shape, and the flag rule falls where it falls on it (issue 14).

The demo is generated from national figures (DESIGN §3: KS1 teacher assessment, KS1→KS2 expected progress,
the FSM and SEN gaps), never from the flag rule; this test measures both and prints them:

    pytest tests/targets/test_demo_shape.py -s -p no:randomly -n 0

The ranges are wide on purpose: they say "a school a teacher would believe", not "this seed's numbers". The
flagged share is asserted only to be plausible (neither almost nobody nor half the school); if the rule
changes, the share moves and the range still holds unless the rule stops being sane.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter, defaultdict
from itertools import pairwise

import pandas as pd
import pytest
from django.core.management import call_command
from django.utils import timezone

from assessment import demo as assessment_demo
from assessment.analytics import levels_of_progress
from assessment.models import Judgement, TransitionalResult
from interventions.demo import YEARS
from interventions.models import Provision, ProvisionPupil
from pupils.models import Pupil
from schoolpl.calendar import academic_year_start
from schoolpl.demo import DEMO_URN
from schoolpl.demodata import names
from selfreview import demo as selfreview_demo
from selfreview.annex import item_codes
from selfreview.models import Rating, Review
from selfreview.selectors import evidence_by_phase
from targets.models import CurricularTarget, ProgressStatus

pytestmark = pytest.mark.django_db

OFF = {"behind", "well_behind", "stuck"}
CORE = ("reading", "writing", "maths")
SECURE_2B, LEVEL_4C = 15, 25


def _say(line: str, capsys) -> None:
    with capsys.disabled():
        print(line)


def _results(school, key_stage: str) -> pd.DataFrame:
    rows = TransitionalResult.objects.filter(school=school, key_stage=key_stage, subject__code__in=CORE)
    return pd.DataFrame(
        list(rows.values_list("pupil_id", "subject__code", "points", "pupil__fsm", "pupil__sen_provision")),
        columns=["pupil", "subject", "points", "fsm", "sen"],
    )


def _ks1_shape(school, capsys) -> None:
    ks1 = _results(school, "KS1")
    ks1["secure"] = ks1["points"] >= SECURE_2B
    by_subject = ks1.groupby("subject")["secure"].mean()
    overall = ks1["secure"].mean()
    fsm, other = ks1.loc[ks1["fsm"], "secure"].mean(), ks1.loc[~ks1["fsm"], "secure"].mean()
    shares = ", ".join(f"{s} {by_subject[s]:.0%}" for s in CORE)
    _say(f"\nKS1 (end of Year 2), 2b or above: {overall:.0%} ({shares}; {ks1['pupil'].nunique()} pupils)", capsys)
    _say(f"KS1 2b+ by FSM: FSM {fsm:.0%}, not FSM {other:.0%} (gap {100 * (other - fsm):.0f} points)", capsys)
    assert 0.65 <= overall <= 0.85
    assert all(0.55 <= by_subject[s] <= 0.90 for s in CORE), by_subject
    assert 0.05 <= other - fsm <= 0.30  # FSM pupils behind, by about the national gap


def _ks2_progress(school, capsys) -> None:
    ks1, ks2 = _results(school, "KS1"), _results(school, "KS2")
    both = ks1.merge(ks2[["pupil", "subject", "points"]], on=["pupil", "subject"], suffixes=("_ks1", "_ks2"))
    assert not both.empty, "the demo has no leavers with KS1 and KS2 results"
    both["levels"] = levels_of_progress(both["points_ks1"], both["points_ks2"], start_scale="nc_full")
    expected = (both["levels"] >= 2).groupby(both["subject"]).mean()
    pupils = both["pupil"].nunique()
    line = ", ".join(f"{s} {expected[s]:.0%}" for s in CORE)
    _say(f"KS1→KS2 expected progress (two levels), last summer's Year 6 ({pupils} pupils): {line}", capsys)
    level4 = (
        ks2[ks2["subject"].isin(["reading", "maths"])]
        .groupby("pupil")
        .agg(ok=("points", lambda p: bool((p >= LEVEL_4C).all())), fsm=("fsm", "first"), sen=("sen", "first"))
    )
    fsm, other = level4.loc[level4["fsm"], "ok"].mean(), level4.loc[~level4["fsm"], "ok"].mean()
    sen = level4.loc[level4["sen"] == "K", "ok"].mean()
    _say(
        f"KS2 level 4+ in reading and maths: {level4['ok'].mean():.0%} (FSM {fsm:.0%}, not FSM {other:.0%}; "
        f"SEN support {sen:.0%})",
        capsys,
    )
    assert all(0.70 <= expected[s] <= 0.92 for s in CORE), expected
    assert 0.60 <= level4["ok"].mean() <= 0.88
    assert fsm < other and sen < level4["ok"].mean()  # the gaps point the way England's do


def _flags(capsys) -> None:
    for school_name, rows in _latest_window_statuses().items():
        total = Counter(subject for subject, _ in rows)
        flagged = Counter(subject for subject, status in rows if status in OFF)
        line = ", ".join(f"{s} {flagged[s]}/{total[s]} = {flagged[s] / total[s]:.0%}" for s in sorted(total))
        _say(f"{school_name}: flagged in the latest window: {line}", capsys)
        assert total, school_name
        if school_name.startswith("Greenfield"):
            assert all(0.08 <= flagged[s] / total[s] <= 0.35 for s in total), (flagged, total)
        assert len({status for _, status in rows}) >= 2  # the trust view has statuses to compare
    pscale = set(Judgement.objects.filter(grade__startswith="P").values_list("pupil_id", flat=True))
    statuses = Counter(
        ProgressStatus.objects.filter(pupil_id__in=pscale, is_latest=True).values_list("status", flat=True)
    )
    _say(f"P-scale pupils: {len(pscale)}; their latest statuses: {dict(statuses)}", capsys)
    assert pscale, "the demo has no pupils working on the P-scales"
    assert sum(n for status, n in statuses.items() if status not in OFF) > 0, statuses  # not all flagged


def _latest_window_statuses() -> dict[str, list[tuple[str, str]]]:
    found = defaultdict(list)
    latest = {}
    for school_id, window_id, end in ProgressStatus.objects.values_list("school_id", "window_id", "window__end_date"):
        if school_id not in latest or end > latest[school_id][1]:
            latest[school_id] = (window_id, end)
    rows = ProgressStatus.objects.filter(window_id__in=[w for w, _ in latest.values()]).values_list(
        "school__name", "subject__code", "status"
    )
    for school_name, subject, status in rows:
        found[school_name].append((subject, status))
    return found


def _names() -> None:
    allowed = set(names.BOYS_2013_2017 + names.BOYS_2018_2021 + names.GIRLS_2013_2017 + names.GIRLS_2018_2021)
    allowed |= {n for boys, girls, _ in names.BACKGROUND_NAMES.values() for n in boys + girls}
    short = {n for options in names.SHORT_NAMES.values() for n in options}
    pupils = list(Pupil.objects.values_list("legal_forename", "preferred_forename"))
    assert {first for first, _ in pupils} <= allowed  # no Geoffrey, no Dorothy
    assert {nick for _, nick in pupils if nick} <= short  # a short name in use, never the first letters cut off


def _programme_ages() -> None:
    for place in ProvisionPupil.objects.select_related("pupil", "provision__programme"):
        low, high = YEARS.get(place.provision.programme.name, (1, 6))
        pupil, started = place.pupil, place.provision.start_date
        year_then = pupil.year_group - (academic_year_start(timezone.localdate()) - academic_year_start(started))
        assert low <= year_then <= high, (place.provision.programme.name, year_then)


def _selfreview(school) -> None:
    review = Review.objects.filter(school=school).order_by("-academic_year_label").first()
    start = dt.date(academic_year_start(min(p.date for p in review.phases.all())), 9, 1)
    for phase in review.phases.filter(phase__in=[1, 2]):
        figures = selfreview_demo.evidenced(school, start, phase.date)
        ratings = {r.item.code: r.rating for r in Rating.objects.filter(review=review, phase=phase.phase)}
        for code, (rating, _) in figures.items():
            if code in ratings:
                assert ratings[code] == rating, (phase.phase, code)


def _annex_evidence(school, capsys) -> None:
    """Issue 17: at least 24 of the annex's 32 items carry a figure computed from the demo's own data, in some
    dated phase of the demo's self-review. Prints item → its first figure (for the closing note)."""
    review = Review.objects.filter(school=school).order_by("-academic_year_label").first()
    found = evidence_by_phase(review, list(review.phases.all()))
    computed: dict[str, str] = {}
    for (code, phase), rows in sorted(found.items()):
        for row in rows:
            if code not in computed and any(ch.isdigit() for ch in row.value):
                computed[code] = f"phase {phase}: {row.label}: {row.value}"
    for code in item_codes():
        _say(f"  {code}: {computed.get(code, '— (free text only)')}", capsys)
    _say(f"Annex items with computed evidence: {len(computed)} of {len(item_codes())}", capsys)
    assert len(computed) >= 24, sorted(set(item_codes()) - set(computed))


def _chain(capsys) -> None:
    """Most pupil targets serve the pupil's own numeric target in their subject (the number → words chain)."""
    own = list(CurricularTarget.objects.filter(level="pupil").select_related("serves"))
    linked = [t for t in own if t.serves is not None]
    _say(f"Pupil targets serving a numeric target: {len(linked)} of {len(own)}", capsys)
    assert own and 2 * len(linked) > len(own)
    assert all((t.serves.pupil_id, t.serves.subject_id) == (t.pupil_id, t.subject_id) for t in linked)
    served = Provision.targets.through.objects.filter(curriculartarget__in=own).count()
    _say(f"Provision ↔ curricular target links (a provision serving a pupil's targets): {served}", capsys)
    assert served


def test_the_default_demo_has_englands_shape_and_the_rule_falls_where_it_falls(capsys):
    call_command("seed_demo", stdout=io.StringIO())  # the default school: 600 pupils, seed 2008
    school = Pupil.objects.filter(school__urn=DEMO_URN).first().school
    _ks1_shape(school, capsys)
    _ks2_progress(school, capsys)
    _flags(capsys)
    _chain(capsys)
    _annex_evidence(school, capsys)
    _names()
    _programme_ages()
    _selfreview(school)


def test_a_child_gets_a_name_of_her_generation_and_the_same_seed_gives_the_same_child():
    rng = random.Random(14)
    assert {names.child_first_name(rng, "F", 2021) for _ in range(300)} <= set(names.GIRLS_2018_2021)
    assert {names.child_first_name(rng, "M", 2014) for _ in range(300)} <= set(names.BOYS_2013_2017)

    def child(seed: int) -> list[str]:
        rng = random.Random(seed)
        learner = assessment_demo.learner_for(rng, sen="K", fsm=True, eal=False, gifted=False, terms=18)
        return [grade.label for grade in assessment_demo.judgement_path(rng, learner, "reading", 18)]

    assert child(2008) == child(2008)
    path = [assessment_demo.SCALE.parse(label).points for label in child(2008)]
    assert all(b - a in (-2, 0, 2, 4) for a, b in pairwise(path)), path  # moves in sub-levels
