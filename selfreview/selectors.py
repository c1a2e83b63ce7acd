"""Reads for the self-review pages: scoping, the grid, priorities and evidence, in a constant number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse

from schoolpl import evidence as evidence_registry
from schoolpl.access import SchoolAccess, get_object_for, scoped_to_school
from schoolpl.models import AssessmentWindow

from .annex import PHASES, RATING_SCALE
from .models import AnnexItem, Feature, Rating, Review, ReviewPhase
from .priorities import feature_averages, latest_phase, priorities

RATING_LABELS = dict(RATING_SCALE)
# When the school has no assessment window ending on or before a phase date, evidence looks back this far.
FALLBACK_EVIDENCE_DAYS = 91


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
    ``FALLBACK_EVIDENCE_DAYS`` days up to the phase date."""

    phase: int
    start: datetime.date
    end: datetime.date
    label: str


def evidence_period(school, phase: ReviewPhase, windows: list[AssessmentWindow] | None = None) -> EvidencePeriod | None:
    if phase.date is None:
        return None
    if windows is None:
        windows = list(AssessmentWindow.objects.filter(school=school).order_by("end_date"))
    ended = [w for w in windows if w.end_date <= phase.date]
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
    if not item.url_name:
        return None
    try:
        url = reverse(item.url_name)
    except NoReverseMatch:
        return None
    return f"{url}?{item.url_query}" if item.url_query else url


def evidence_by_phase(review: Review, phases: list[ReviewPhase]) -> dict[tuple[str, int], list[EvidenceRow]]:
    """``{(item_code, phase): [EvidenceRow]}`` from every app's evidence provider, for each dated phase.

    One query for the windows, then each provider's own constant queries per dated phase. Providers are
    aggregate-only by contract (a SIP reads this).
    """
    dated = [p for p in phases if p.date is not None]
    if not dated:
        return {}
    windows = list(AssessmentWindow.objects.filter(school_id=review.school_id).order_by("end_date"))
    found: dict[tuple[str, int], list[EvidenceRow]] = {}
    for phase in dated:
        period = evidence_period(review.school, phase, windows)
        for code, items in evidence_registry.collect(review.school, period.start, period.end).items():
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
    blocks = []
    for feature in features:
        rows = []
        for item in feature.items.all():
            cells = [Cell(item, p, ratings.get((item.pk, p)), evidence.get((item.code, p), [])) for p in PHASES]
            rows.append(Row(item, cells))
        blocks.append(FeatureBlock(feature, rows))
    return {"blocks": blocks, "phases": phases, "ratings": ratings}


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
                    "data": [
                        None if averages[f.number][p] is None else round(averages[f.number][p], 2) for f in features
                    ],
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
