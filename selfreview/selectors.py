"""Reads for the self-review pages: scoping, the grid, priorities and evidence, in a constant number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from schoolpl import evidence as evidence_registry
from schoolpl.access import SchoolAccess, get_object_for, scoped_to_school
from schoolpl.models import AssessmentWindow

from . import evidence as own_evidence
from .annex import PHASES, RATING_SCALE
from .models import AnnexItem, Feature, Rating, Review, ReviewPhase
from .priorities import feature_averages, latest_phase, priorities

RATING_LABELS = dict(RATING_SCALE)
# When the school has no assessment window ending on or before a phase date, evidence looks back this far.
FALLBACK_EVIDENCE_DAYS = 91
# Pages an evidence figure may link to: aggregate pages every reader of the self-review may open (a SIP reads
# figures, never names). ``tests/selfreview/test_evidence_links.py`` opens every link as a SIP.
AGGREGATE_PAGES = frozenset(
    {
        "targets:dashboard",
        "interventions:impact_summary",
        "assessment:frameworks",
        "selfreview:review_list",
        "selfreview:observation_summary",
        "partnership:activities_summary",
        "partnership:voice",
    }
)


def reviews_for(access: SchoolAccess) -> QuerySet[Review]:
    return scoped_to_school(Review.objects.all(), access).select_related("created_by")


def get_review_for(access: SchoolAccess, pk) -> Review:
    """The review ``pk`` of the access's school; 404 alike for missing and another school's."""
    return get_object_for(reviews_for(access).select_related("school"), pk=pk)


def features_with_items() -> list[Feature]:
    """The nine features with their items, in annex order (2 queries)."""
    return list(Feature.objects.prefetch_related(Prefetch("items", queryset=AnnexItem.objects.order_by("position"))))


def phases_of(review: Review) -> list[ReviewPhase]:
    """Phases 1–3 (1 query); a phase row missing from old data shows as undated."""
    found = {p.phase: p for p in ReviewPhase.objects.filter(review=review)}
    return [found.get(p) or ReviewPhase(review=review, phase=p) for p in PHASES]


def ratings_of(review: Review) -> dict[tuple[int, int], Rating]:
    """``{(item_id, phase): Rating}`` with who last changed it (1 query)."""
    return {(r.item_id, r.phase): r for r in Rating.objects.filter(review=review).select_related("updated_by")}


def ratings_by_code(review: Review) -> dict[tuple[str, int], int | None]:
    """``{(item_code, phase): rating}`` for the pure priorities module (1 query)."""
    rows = Rating.objects.filter(review=review, rating__isnull=False).values_list("item__code", "phase", "rating")
    return {(code, phase): rating for code, phase, rating in rows}


# --- evidence -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidencePeriod:
    """The dates the evidence for a phase covers: the assessment window (term) that ended most recently on or
    before the phase date — the last complete term the review looks back on — or, without one, the
    ``FALLBACK_EVIDENCE_DAYS`` days up to the phase date. (Item 2c's actions run on to the phase date itself:
    ``evidence_by_phase`` hands it over in ``selfreview.evidence.PHASE``.)"""

    phase: int
    start: datetime.date
    end: datetime.date
    label: str


def phase_is_future(phase: ReviewPhase, today: datetime.date | None = None) -> bool:
    """A phase dated after today: its evidence is "not yet" (an unfinished term has no figures)."""
    return phase.date is not None and phase.date > (today or timezone.localdate())


def evidence_period(
    school, phase: ReviewPhase, windows: list[AssessmentWindow] | None = None, today: datetime.date | None = None
) -> EvidencePeriod | None:
    """None for an undated phase or one dated after today."""
    today = today or timezone.localdate()
    if phase.date is None or phase_is_future(phase, today):
        return None
    if windows is None:
        windows = list(AssessmentWindow.objects.filter(school=school).order_by("end_date"))
    ended = [w for w in windows if w.end_date <= phase.date and w.end_date <= today]
    if ended:
        window = ended[-1]
        return EvidencePeriod(phase.phase, window.start_date, window.end_date, window.name)
    start = phase.date - datetime.timedelta(days=FALLBACK_EVIDENCE_DAYS)
    return EvidencePeriod(phase.phase, start, phase.date, f"{start:%-d %b %Y} to {phase.date:%-d %b %Y}")


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    value: str
    method: str
    url: str | None
    period: EvidencePeriod


def _evidence_url(item) -> str | None:
    """The page behind a figure, only if it is one every reader of the self-review (a SIP included) may open:
    an aggregate page. A provider's link to a page that names pupils is dropped, never shown as a 403."""
    if not item.url_name or item.url_name not in AGGREGATE_PAGES:
        return None
    try:
        url = reverse(item.url_name)
    except NoReverseMatch:
        return None
    return f"{url}?{item.url_query}" if item.url_query else url


def evidence_by_phase(review: Review, phases: list[ReviewPhase]) -> dict[tuple[str, int], list[EvidenceRow]]:
    """``{(item_code, phase): [EvidenceRow]}`` from every app's evidence provider, for each dated phase up to
    today (a phase dated later has none yet: ``phase_is_future``).

    One query for the windows, then each provider's own constant queries per dated phase. Providers are
    aggregate-only by contract (a SIP reads this).
    """
    today = timezone.localdate()
    dated = [p for p in phases if p.date is not None and not phase_is_future(p, today)]
    if not dated:
        return {}
    windows = list(AssessmentWindow.objects.filter(school_id=review.school_id).order_by("end_date"))
    found: dict[tuple[str, int], list[EvidenceRow]] = {}
    for phase in dated:
        period = evidence_period(review.school, phase, windows, today)
        assert phase.date is not None and period is not None  # dated phases only (above): each has a period
        token = own_evidence.PHASE.set(own_evidence.Phase(min(phase.date, today), review.action_weeks))
        try:
            collected = evidence_registry.collect(review.school, period.start, period.end)
        finally:
            own_evidence.PHASE.reset(token)
        for code, items in collected.items():
            for item in items:
                row = EvidenceRow(item.label, item.value, item.method, _evidence_url(item), period)
                found.setdefault((code, phase.phase), []).append(row)
    return found


# --- the grid and the summaries ---------------------------------------------------------------------------------


@dataclass
class Cell:
    item: AnnexItem
    phase: int
    rating: Rating | None
    evidence: list[EvidenceRow] = field(default_factory=list)
    not_yet: bool = False  # the phase is dated after today: no figures yet

    @property
    def version(self) -> int:
        return self.rating.version if self.rating else 0

    @property
    def value(self) -> int | None:
        return self.rating.rating if self.rating else None

    @property
    def label(self) -> str:
        return RATING_LABELS.get(self.value, "") if self.value else ""


@dataclass
class Row:
    item: AnnexItem
    cells: list[Cell]


@dataclass
class FeatureBlock:
    feature: Feature
    rows: list[Row]


def review_grid(review: Review, *, with_evidence: bool = True) -> dict:
    """Everything the annex grid, the report and the exports need.

    Queries: features (1) + items (1) + phases (1) + ratings with who changed them (1) + windows (1, only if a
    phase is dated) + each evidence provider's constant queries per dated phase.
    """
    features = features_with_items()
    phases = phases_of(review)
    ratings = ratings_of(review)
    evidence = evidence_by_phase(review, phases) if with_evidence else {}
    today = timezone.localdate()
    future = {p.phase for p in phases if with_evidence and phase_is_future(p, today)}
    blocks = []
    for feature in features:
        rows = []
        for item in feature.items.all():
            cells = [
                Cell(item, p, ratings.get((item.pk, p)), evidence.get((item.code, p), []), p in future) for p in PHASES
            ]
            rows.append(Row(item, cells))
        blocks.append(FeatureBlock(feature, rows))
    return {"blocks": blocks, "phases": phases, "ratings": ratings, "future_phases": future}


def cell_for(review: Review, item: AnnexItem, phase: int) -> Cell:
    rating = Rating.objects.filter(review=review, item=item, phase=phase).select_related("updated_by").first()
    return Cell(item, phase, rating)


def priorities_summary(review: Review) -> dict:
    """Priorities of the latest rated phase with movement, and each feature's average per phase (2 queries)."""
    by_code = ratings_by_code(review)
    features = list(Feature.objects.all())
    averages = feature_averages(by_code)
    rows = [{"feature": f, "averages": [averages[f.number][p] for p in PHASES]} for f in features]
    chart = {
        "type": "bar",
        "data": {
            "labels": [f"{f.number}. {f.title}" for f in features],
            "datasets": [
                {
                    "label": f"Phase {p}",
                    "data": [None if (mean := averages[f.number][p]) is None else round(mean, 2) for f in features],
                }
                for p in PHASES
            ],
        },
        "options": {
            "indexAxis": "y",
            "scales": {
                "x": {
                    "min": 0,
                    "max": 4,
                    "title": {"display": True, "text": "Average rating (1 strong – 4 needs significant development)"},
                }
            },
        },
    }
    return {
        "latest_phase": latest_phase(by_code),
        "priorities": priorities(by_code),
        "averages": rows,
        "chart": chart,
    }


def export_rows(review: Review) -> tuple[list[str], list[list]]:
    """The ratings table for CSV/XLSX: one row per item and phase (4 queries)."""
    grid = review_grid(review, with_evidence=False)
    dates = {p.phase: p.date for p in grid["phases"]}
    headers = [
        "Feature",
        "Item",
        "Annex wording",
        "Phase",
        "Phase date",
        "Rating",
        "Notes",
        "Evidence links",
        "Last changed by",
        "Last changed at",
    ]
    rows = []
    for block in grid["blocks"]:
        for row in block.rows:
            for cell in row.cells:
                r = cell.rating
                rows.append(
                    [
                        block.feature.title,
                        row.item.code,
                        row.item.text,
                        cell.phase,
                        dates.get(cell.phase),
                        cell.value,
                        r.notes if r else "",
                        r.evidence_links if r else "",
                        r.updated_by.display_name if r and r.updated_by else "",
                        r.updated_at if r else None,
                    ]
                )
    return headers, rows
