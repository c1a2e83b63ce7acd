"""Reads for interventions: scoping to what the user may see, candidates for provision, impact, the
provision map and score-card summaries. Each runs a constant number of queries, whatever the number of
pupils, and hands plain values to the pure ``interventions.impact`` module."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from assessment import scales
from assessment.models import Judgement
from pupils.models import GroupMembership, Pupil
from pupils.querysets import PupilQuerySet
from schoolpl.calendar import academic_year_start
from schoolpl.discovery import app_modules
from schoolpl.roles import Cap
from targets import expectations
from targets import selectors as target_selectors
from targets.models import ProgressStatus, TargetSettings

from . import impact
from .models import (
    FollowUp,
    ImpactJudgement,
    Programme,
    Provision,
    ProvisionPupil,
    ScoreCard,
    ScoreCardRating,
    SuccessCharacteristic,
)

if TYPE_CHECKING:
    from assessment.models import Subject
    from pupils.models import TeachingGroup
    from schoolpl.access import SchoolAccess
    from schoolpl.models import School

SUPPORT_WAVES = (2, 3)
OFF_TRACK = (ProgressStatus.Status.BEHIND, ProgressStatus.Status.WELL_BEHIND, ProgressStatus.Status.STUCK)
# Making expected progress or better: the guide's wave 2 group is below ARE but on this pace (DESIGN §3).
ON_PACE = (ProgressStatus.Status.ON_TRACK, ProgressStatus.Status.AHEAD)


def today() -> dt.date:
    return timezone.localdate()


# --- Scoping ---------------------------------------------------------------------------------------------


def programmes_for(access: SchoolAccess | None) -> QuerySet[Programme]:
    if access is None:
        return Programme.objects.none()
    return Programme.objects.filter(school=access.school)


def sees_all_interventions(access: SchoolAccess | None) -> bool:
    return (
        access is not None and access.sees_all_pupils and access.can(Cap.READ_INTERVENTIONS_ALL, Cap.EDIT_INTERVENTIONS)
    )


def pupils_for(access: SchoolAccess | None) -> PupilQuerySet:
    """Pupils whose interventions and score cards this user may read by name."""
    if access is None or not access.can(Cap.READ_INTERVENTIONS_ALL, Cap.EDIT_INTERVENTIONS, Cap.READ_INTERVENTIONS_OWN):
        return Pupil.objects.none()
    return Pupil.objects.visible_to(access)


def provisions_for(access: SchoolAccess | None) -> QuerySet[Provision]:
    """All the school's provision for those who read all; for a teacher, provision with one of their
    pupils in it."""
    if access is None:
        return Provision.objects.none()
    mine = Provision.objects.filter(school=access.school)
    if sees_all_interventions(access):
        return mine
    if access.can(Cap.READ_INTERVENTIONS_OWN):
        places = ProvisionPupil.objects.filter(provision=OuterRef("pk"), pupil__in=pupils_for(access))
        return mine.filter(Exists(places))
    return mine.none()


def places_for(access: SchoolAccess | None) -> QuerySet[ProvisionPupil]:
    if access is None:
        return ProvisionPupil.objects.none()
    return ProvisionPupil.objects.filter(provision__school=access.school, pupil__in=pupils_for(access))


def supported_places(school: School, on: dt.date, waves: Iterable[int] = SUPPORT_WAVES) -> QuerySet[ProvisionPupil]:
    """Places in wave 2/3 provision that are current or planned on ``on`` (not ended, pupil not left)."""
    return ProvisionPupil.objects.filter(
        provision__school=school, provision__programme__wave__in=waves, provision__end_date__gte=on
    ).filter(Q(left_on__isnull=True) | Q(left_on__gte=on))


# --- Candidates ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Referral:
    """An open request that the SENCO consider a pupil for support, made outside these screens (a personal
    tutor's referral after a progress review). Interventions owns the idea and reads referrals through the
    ``referrals`` hook, never by importing the app that takes them: ``<app>/referrals.py`` provides
    ``open_referrals(school) -> Iterable[Referral]``, one query, the most recent first."""

    pupil_id: int
    referred_by: str
    referred_on: dt.date
    reason: str

    def __str__(self) -> str:
        return f"Referred by {self.referred_by} on {self.referred_on:%-d %b %Y}: {self.reason}"


def referred_pupils(school: School) -> dict[int, str]:
    """Pupils with an open referral to the SENCO: {pupil_id: "Referred by <tutor> on <date>: <reason>"} (the
    latest open referral per pupil). One query per provider."""
    found: dict[int, str] = {}
    for module in app_modules("referrals"):
        provider = getattr(module, "open_referrals", None)
        for referral in provider(school) if provider is not None else ():
            found.setdefault(referral.pupil_id, str(referral))
    return found


@dataclass
class _Flags:
    """Why a pupil is a candidate, gathered before the pupil is loaded: :class:`Candidate` but the pupil."""

    statuses: list[tuple[str, str]] = field(default_factory=list)  # (subject, status label)
    score_average: float | None = None
    score_date: dt.date | None = None
    referred: bool = False
    referral: str = ""  # a personal tutor's open referral from a progress review
    below_are: list[str] = field(default_factory=list)  # "Reading: below ARE (20 against 21), on track"


@dataclass
class Candidate(_Flags):
    pupil: Pupil = field(kw_only=True)

    @property
    def reasons(self) -> list[str]:
        reasons = [f"{subject}: {label.lower()}" for subject, label in self.statuses] + list(self.below_are)
        if self.score_average is not None and self.score_average <= impact.LOW_SCORE:
            reasons.append(f"score card average {self.score_average:g}")
        if self.referred:
            reasons.append("referred for support")
        if self.referral:
            reasons.append(self.referral)
        return reasons


def candidates(
    access: SchoolAccess,
    on: dt.date | None = None,
    pupils: PupilQuerySet | None = None,
    *,
    below_are: bool = False,
    subject: Subject | None = None,
) -> list[Candidate]:
    """Pupils off trajectory in any subject (latest status behind, well behind or stuck) or whose latest
    score card is low or refers them, who have no current or planned wave 2/3 provision. With
    ``below_are``, also the guide's wave 2 group: latest status on track or ahead in a subject (``subject``
    only, if given) while below the age-related expectation there (not well below: that is wave 3).

    Queries: flagged statuses (1), score cards (1), their ratings (1), tutors' open referrals (1), which of
    them this user sees (1), the pupils (1). ``pupils`` (a filtered queryset of those the user sees) narrows the
    list without adding a query."""
    on = on or today()
    school = access.school
    pupils = (pupils if pupils is not None else pupils_for(access)).on_roll()
    supported = supported_places(school, on).values("pupil_id")
    labels = dict(ProgressStatus.Status.choices)
    statuses: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for pupil_id, subject_name, status in (
        ProgressStatus.objects.filter(school=school, is_latest=True, status__in=OFF_TRACK, pupil__in=pupils)
        .exclude(pupil_id__in=supported)
        .order_by("pupil_id", "subject__order", "subject__name")
        .values_list("pupil_id", "subject__name", "status")
    ):
        statuses[pupil_id].append((subject_name, labels.get(status, status)))
    latest_card: dict[int, tuple[int, dt.date, bool]] = {}
    for card_id, pupil_id, taken_on, referred in (
        ScoreCard.objects.filter(school=school, pupil__in=pupils)
        .exclude(pupil_id__in=supported)
        .order_by("pupil_id", "taken_on", "pk")
        .values_list("pk", "pupil_id", "taken_on", "referred")
    ):
        latest_card[pupil_id] = (card_id, taken_on, referred)
    ratings: dict[int, list] = defaultdict(list)
    for card_id, *row in ScoreCardRating.objects.filter(card_id__in=[c[0] for c in latest_card.values()]).values_list(
        "card_id", "characteristic_id", "professional", "pupil_view", "parent_view"
    ):
        ratings[card_id].append(row)
    flagged: dict[int, _Flags] = {}
    for pupil_id, rows in statuses.items():
        flagged[pupil_id] = _Flags(statuses=rows)
    for pupil_id, (card_id, taken_on, referred) in latest_card.items():
        _, average = impact.card_averages(ratings.get(card_id, []))
        low = average is not None and average <= impact.LOW_SCORE
        if low or referred or pupil_id in flagged:
            found = flagged.setdefault(pupil_id, _Flags())
            found.score_average, found.score_date, found.referred = average, taken_on, referred
    referrals = referred_pupils(school)
    if referrals:
        for pupil_id in pupils.filter(pk__in=list(referrals)).exclude(pk__in=supported).values_list("pk", flat=True):
            flagged.setdefault(pupil_id, _Flags()).referral = referrals[pupil_id]
    if below_are:  # + 2 queries: the on-pace statuses, the school's own AREs
        for pupil_id, text in _below_are(school, pupils, supported, subject):
            flagged.setdefault(pupil_id, _Flags()).below_are.append(text)
    found_pupils = [
        Candidate(pupil=pupil, **vars(flagged[pupil.pk])) for pupil in Pupil.objects.filter(pk__in=list(flagged))
    ]
    return sorted(found_pupils, key=lambda c: (c.pupil.year_group, c.pupil.surname, c.pupil.forename, c.pupil.pk))


def _below_are(
    school: School, pupils: PupilQuerySet, supported: QuerySet, subject: Subject | None
) -> list[tuple[int, str]]:
    latest = (
        ProgressStatus.objects.filter(school=school, is_latest=True, status__in=ON_PACE, pupil__in=pupils)
        .exclude(pupil_id__in=supported)
        .select_related("pupil", "subject", "window__academic_year")
        .order_by("pupil_id", "subject__order", "subject__name")
    )
    if subject is not None:
        latest = latest.filter(subject=subject)
    overrides = target_selectors.are_overrides(school.pk)
    this_year = academic_year_start(timezone.localdate())
    labels = dict(ProgressStatus.Status.choices)
    out = []
    for st in latest:
        found = target_selectors.are_band_for(st.pupil, st.subject_id, st.window, st.actual, overrides, this_year)
        if found and found["band"] == expectations.BELOW:
            out.append(
                (
                    st.pupil_id,
                    f"{st.subject.name}: below ARE ({st.actual:g} against {found['are']:g}), "
                    f"{labels.get(st.status, st.status).lower()}",
                )
            )
    return out


# --- Impact ----------------------------------------------------------------------------------------------


@dataclass
class PlaceImpact:
    place: ProvisionPupil
    result: impact.PupilImpact
    entry_recorded: bool
    exit_recorded: bool

    @property
    def entry_grade(self) -> str:
        return _grade_of(self.result.entry)

    @property
    def term_rate_before(self) -> float | None:
        return impact.per_term(self.result.rate_before)

    @property
    def term_rate_during(self) -> float | None:
        return impact.per_term(self.result.rate_during)

    @property
    def term_rate_expected(self) -> float:
        return impact.per_term(self.result.expected_rate)

    @property
    def exit_grade(self) -> str:
        return _grade_of(self.result.exit)


def _grade_of(point: impact.Point | None) -> str:
    """The NC grade a judgement's points stand for (17 → "2a"), so "17 Jul 2026" is not read as a date."""
    if point is None or point.points is None:
        return ""
    try:
        return scales.NC_FULL.label_for(point.points)
    except ValueError:
        return ""


def session_default_date(provision: Provision, today: dt.date | None = None) -> dt.date:
    """The date a new session's form starts at: today while the provision runs, else its last day (or, before it
    starts, its first)."""
    today = today or timezone.localdate()
    return min(max(today, provision.start_date), provision.end_date)


def over_size_warning(programme: Programme, pupils: int) -> str:
    """Advice (never a refusal) when a group has more pupils than its programme is designed for."""
    if pupils <= programme.group_size:
        return ""
    return (
        f"{pupils} pupils is more than {programme.name}'s group size of {programme.group_size}: "
        "check the group can still be taught as the programme intends."
    )


def group_sizes(provision_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        ProvisionPupil.objects.filter(provision_id__in=list(provision_ids))
        .values("provision_id")
        .annotate(n=Count("pk"))
        .values_list("provision_id", "n")
    )


def expected_per_year(school_ids: Iterable[int]) -> dict[int, float]:
    """Each school's expected points a year (TargetSettings; the model default where none is kept)."""
    return dict(
        TargetSettings.objects.filter(school_id__in=list(school_ids)).values_list(
            "school_id", "expected_points_per_year"
        )
    )


def place_impacts(places: list[ProvisionPupil]) -> list[PlaceImpact]:
    """Impact for each place (with ``provision__programme`` selected). Recorded entry/exit judgements win;
    otherwise they are taken from periodic judgements in the programme's subject around the place's dates.
    Each pupil's rate during provision is judged against the school's expected rate.

    Queries: judgements (1), recorded entry/exit (1), group sizes (1), expected rate (1)."""
    if not places:
        return []
    expected = expected_per_year({p.provision.programme.school_id for p in places})
    pupil_ids = {p.pupil_id for p in places}
    subject_ids = {p.provision.programme.subject_id for p in places} - {None}
    history: dict[tuple[int, int | None], list[impact.Point]] = defaultdict(list)
    if subject_ids:
        for pupil_id, subject_id, end_date, points in Judgement.objects.filter(
            pupil_id__in=pupil_ids, subject_id__in=subject_ids
        ).values_list("pupil_id", "subject_id", "window__end_date", "points"):
            history[(pupil_id, subject_id)].append(impact.Point(end_date, points))
    recorded: dict[tuple[int, str], impact.Point] = {
        (place_id, kind): impact.Point(on, points)
        for place_id, kind, on, points in ImpactJudgement.objects.filter(place__in=[p.pk for p in places]).values_list(
            "place_id", "kind", "judged_on", "points"
        )
    }
    sizes = group_sizes({p.provision_id for p in places})
    out = []
    for place in places:
        provision, programme = place.provision, place.provision.programme
        start, end = impact.place_span(provision.start_date, provision.end_date, place.joined_on, place.left_on)
        judged = history.get((place.pupil_id, programme.subject_id), [])
        entry, exit_ = impact.pick_entry_exit(judged, start, end)
        entry = recorded.get((place.pk, "entry"), entry)
        exit_ = recorded.get((place.pk, "exit"), exit_)
        before = impact.rate_before(judged, entry.date if entry else start)
        _, _, cost = impact.place_figures(
            sessions_per_week=programme.sessions_per_week,
            session_minutes=programme.session_minutes,
            cost_basis=programme.cost_basis,
            unit_cost=float(programme.unit_cost),
            provision_start=provision.start_date,
            provision_end=provision.end_date,
            joined=place.joined_on,
            left=place.left_on,
            group_pupils=sizes.get(provision.pk, 1),
        )
        out.append(
            PlaceImpact(
                place=place,
                result=impact.pupil_impact(
                    entry,
                    exit_,
                    before,
                    cost,
                    expected_per_year=expected.get(programme.school_id),
                    ratio_gain=impact.ratio_gain(place.entry_age_months, place.exit_age_months, start, end),
                ),
                entry_recorded=(place.pk, "entry") in recorded,
                exit_recorded=(place.pk, "exit") in recorded,
            )
        )
    return out


def programme_impacts(
    school: School, programme_ids: Iterable[int] | None = None
) -> dict[int, tuple[Programme, impact.ProgrammeSummary]]:
    """Per programme, the summary over every pupil who has had it. Queries: programmes (1), places (1) and
    the three of :func:`place_impacts`."""
    chosen = Programme.objects.filter(school=school)
    if programme_ids is not None:
        chosen = chosen.filter(pk__in=programme_ids)
    programmes = {p.pk: p for p in chosen}
    places = list(
        ProvisionPupil.objects.filter(provision__programme_id__in=list(programmes)).select_related(
            "provision__programme"
        )
    )
    by_programme: dict[int, list] = defaultdict(list)
    for item in place_impacts(places):
        by_programme[item.place.provision.programme_id].append(item.result)
    return {pk: (p, impact.summarise(by_programme.get(pk, []))) for pk, p in programmes.items()}


# --- Provision map ---------------------------------------------------------------------------------------


@dataclass
class MapRow:
    pupil: Pupil
    by_wave: dict[int, list[str]]
    hours: float
    cost: float


@dataclass
class ProvisionMap:
    rows: list[MapRow]
    wave_hours: dict[int, float]
    wave_cost: dict[int, float]
    wave_pupils: dict[int, int]
    total_hours: float
    total_cost: float


def provision_map(
    school: School,
    start: dt.date,
    end: dt.date,
    *,
    need: str = "",
    area: str = "",
    group: TeachingGroup | None = None,
    wave: int | None = None,
) -> ProvisionMap:
    """Pupils × provision running in a period, by wave, with hours and cost per pupil and in total.

    Queries: places with pupils and programmes (1), group sizes (1)."""
    query = (
        ProvisionPupil.objects.filter(
            provision__school=school,
            provision__start_date__lte=end,
            provision__end_date__gte=start,
            joined_on__lte=end,
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
        .select_related("pupil", "provision__programme")
        .order_by("pupil__year_group", "pupil__legal_surname", "pupil__legal_forename", "pupil_id", "provision_id")
    )
    if need:
        query = query.filter(pupil__primary_need=need)
    if area:
        query = query.filter(provision__programme__need_area=area)
    if wave:
        query = query.filter(provision__programme__wave=wave)
    if group is not None:
        members = GroupMembership.objects.current(end).filter(group=group, pupil=OuterRef("pupil_id"))
        query = query.filter(Exists(members))
    places = list(query)
    sizes = group_sizes({p.provision_id for p in places})
    frame = pd.DataFrame(
        [
            {
                "place": i,
                "sessions_per_week": p.provision.programme.sessions_per_week,
                "session_minutes": p.provision.programme.session_minutes,
                "cost_basis": p.provision.programme.cost_basis,
                "unit_cost": float(p.provision.programme.unit_cost),
                "provision_start": p.provision.start_date,
                "provision_end": p.provision.end_date,
                "joined": p.joined_on,
                "left": p.left_on,
                "group_pupils": sizes.get(p.provision_id, 1),
            }
            for i, p in enumerate(places)
        ],
        columns=["place", *impact.MAP_COLUMNS],
    )
    figures = impact.map_figures(frame, start, end)
    rows: dict[int, MapRow] = {}
    wave_hours = {1: 0.0, 2: 0.0, 3: 0.0}
    wave_cost = {1: 0.0, 2: 0.0, 3: 0.0}
    wave_pupils: dict[int, set] = {1: set(), 2: set(), 3: set()}
    for place, hours, cost in zip(places, figures.get("hours", []), figures.get("cost", []), strict=True):
        programme = place.provision.programme
        row = rows.setdefault(place.pupil_id, MapRow(place.pupil, {1: [], 2: [], 3: []}, 0.0, 0.0))
        row.by_wave[programme.wave].append(f"{programme.name} ({place.provision.name})")
        row.hours += hours
        row.cost += cost
        wave_hours[programme.wave] += hours
        wave_cost[programme.wave] += cost
        wave_pupils[programme.wave].add(place.pupil_id)
    return ProvisionMap(
        rows=list(rows.values()),
        wave_hours=wave_hours,
        wave_cost=wave_cost,
        wave_pupils={w: len(s) for w, s in wave_pupils.items()},
        total_hours=sum(wave_hours.values()),
        total_cost=sum(wave_cost.values()),
    )


# --- Needs assessment ------------------------------------------------------------------------------------


@dataclass
class CardView:
    card: ScoreCard
    by_characteristic: dict[int, float]
    average: float | None
    views: dict[int, tuple] = field(default_factory=dict)  # characteristic → (professional, pupil, parent)


def card_views(cards: list[ScoreCard]) -> list[CardView]:
    """Averages for each card. Queries: ratings (1)."""
    rows: dict[int, list] = defaultdict(list)
    for card_id, *row in ScoreCardRating.objects.filter(card__in=[c.pk for c in cards]).values_list(
        "card_id", "characteristic_id", "professional", "pupil_view", "parent_view"
    ):
        rows[card_id].append(row)
    out = []
    for card in cards:
        per, overall = impact.card_averages(rows.get(card.pk, []))
        out.append(CardView(card, per, overall, {r[0]: tuple(r[1:]) for r in rows.get(card.pk, [])}))
    return out


@dataclass
class SummaryRow:
    pupil: Pupil
    baseline: CardView
    latest: CardView

    @property
    def change(self) -> float | None:
        latest, baseline = self.latest.average, self.baseline.average
        if self.latest.card.pk == self.baseline.card.pk or latest is None or baseline is None:
            return None
        return round(latest - baseline, 2)


def score_card_summary(access: SchoolAccess) -> tuple[list[SuccessCharacteristic], list[SummaryRow]]:
    """The cohort summary: each pupil's latest card by characteristic, with the change in overall average
    from their baseline (first) card. Queries: characteristics (1), cards with pupils (1), ratings (1)."""
    characteristics = list(SuccessCharacteristic.objects.filter(school=access.school, is_active=True))
    cards = list(
        ScoreCard.objects.filter(school=access.school, pupil__in=pupils_for(access))
        .select_related("pupil")
        .order_by("pupil__year_group", "pupil__legal_surname", "pupil_id", "taken_on", "pk")
    )
    first: dict[int, ScoreCard] = {}
    last: dict[int, ScoreCard] = {}
    for card in cards:
        first.setdefault(card.pupil_id, card)
        last[card.pupil_id] = card
    views = {v.card.pk: v for v in card_views(list({c.pk: c for c in [*first.values(), *last.values()]}.values()))}
    rows = [SummaryRow(first[pid].pupil, views[first[pid].pk], views[last[pid].pk]) for pid in first]
    return characteristics, rows


def follow_ups_for(access: SchoolAccess | None, pending_only: bool = False) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.filter(place__in=places_for(access)).select_related(
        "place__pupil", "place__provision__programme", "recorded_by", "followed_up_by"
    )
    if pending_only:
        qs = qs.filter(followed_up_on__isnull=True)
    return qs
