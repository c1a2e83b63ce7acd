"""Every write to a self-review: keyword-only, atomic, validating before saving."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from schoolpl.history import changed_by

from .annex import PHASES
from .models import AnnexItem, Rating, Review, ReviewPhase
from .priorities import validate_phase, validate_phase_dates, validate_rating

MAX_NOTES = 4000
MAX_LINKS = 4000


@dataclass(frozen=True)
class RatingSaveResult:
    """``saved`` is False when a colleague changed the cell since ``expected_version``: ``rating`` is then
    their version of it (value, notes, who and when), so the page can offer "keep mine" or "use theirs"."""

    saved: bool
    rating: Rating

    @property
    def conflict(self) -> bool:
        return not self.saved


def _history_update(rating: Rating, *, by) -> None:
    # The versioned UPDATE bypasses save(), so the audit row is written here (one INSERT).
    Rating.history.bulk_history_create([rating], update=True, default_user=by)


@transaction.atomic
def review_create(
    *,
    school,
    title: str,
    academic_year_label: str,
    by=None,
    phase_dates: tuple[datetime.date | None, datetime.date | None, datetime.date | None] = (None, None, None),
) -> Review:
    """A new review with its three phases (dates may be left empty and set later)."""
    try:
        validate_phase_dates(*phase_dates)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    review = Review(school=school, title=title.strip(), academic_year_label=academic_year_label.strip(), created_by=by)
    review.full_clean()
    review.save()
    ReviewPhase.objects.bulk_create(
        [ReviewPhase(review=review, phase=phase, date=day) for phase, day in zip(PHASES, phase_dates, strict=True)]
    )
    return review


@transaction.atomic
def phase_set_date(*, review: Review, phase: int, date: datetime.date | None) -> ReviewPhase:
    """Set (or clear) the date of one phase; the three dates must stay strictly in phase order."""
    try:
        validate_phase(phase)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    # Lock the review's phases so two concurrent date changes cannot cross.
    phases = {p.phase: p for p in ReviewPhase.objects.select_for_update().filter(review=review)}
    for missing in set(PHASES) - set(phases):
        phases[missing] = ReviewPhase.objects.create(review=review, phase=missing)
    dates = [phases[p].date for p in PHASES]
    dates[phase - 1] = date
    try:
        validate_phase_dates(*dates)
    except ValueError as exc:
        raise ValidationError({"date": str(exc)}) from None
    target = phases[phase]
    target.date = date
    target.save(update_fields=["date"])
    return target


@transaction.atomic
def phases_set_dates(*, review: Review, dates: dict[int, datetime.date | None]) -> list[ReviewPhase]:
    """Set several phase dates at once (the phase-dates form): validated together, saved together."""
    phases = {p.phase: p for p in ReviewPhase.objects.select_for_update().filter(review=review)}
    for missing in set(PHASES) - set(phases):
        phases[missing] = ReviewPhase.objects.create(review=review, phase=missing)
    wanted = [dates.get(p, phases[p].date) for p in PHASES]
    try:
        validate_phase_dates(*wanted)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    for p, day in zip(PHASES, wanted, strict=True):
        if phases[p].date != day:
            phases[p].date = day
            phases[p].save(update_fields=["date"])
    return [phases[p] for p in PHASES]


def review_set_action_weeks(*, review: Review, weeks: int) -> Review:
    """The number of weeks item 2c allows for acting on a flagged pupil (1–26)."""
    if not 1 <= weeks <= 26:
        raise ValidationError("The weeks to act on a flag must be between 1 and 26.")
    if review.action_weeks != weeks:
        review.action_weeks = weeks
        review.save(update_fields=["action_weeks"])
    return review


def _clean_cell(phase, rating, notes: str, evidence_links: str) -> tuple[int, int | None, str, str]:
    errors = {}
    try:
        validate_phase(phase)
    except ValueError as exc:
        errors["phase"] = str(exc)
    if rating is not None:
        try:
            validate_rating(rating)
        except ValueError as exc:
            errors["rating"] = str(exc)
    notes = (notes or "").strip()
    links = "\n".join(line.strip() for line in (evidence_links or "").splitlines() if line.strip())
    if len(notes) > MAX_NOTES:
        errors["notes"] = f"Notes are limited to {MAX_NOTES} characters."
    if len(links) > MAX_LINKS:
        errors["evidence_links"] = f"Evidence links are limited to {MAX_LINKS} characters."
    if errors:
        raise ValidationError(errors)
    return phase, rating, notes, links


def rating_save(
    *,
    review: Review,
    item: AnnexItem,
    phase: int,
    rating: int | None,
    notes: str = "",
    evidence_links: str = "",
    expected_version: int,
    by=None,
) -> RatingSaveResult:
    """Save one cell of the annex grid with optimistic concurrency.

    ``expected_version`` is the version the user's page showed (0 for a cell never saved). The write is one
    conditional UPDATE ``… WHERE version = expected_version``; if it matches nothing, a colleague saved first
    and nothing is overwritten: the result carries their value, who and when.
    """
    phase, rating, notes, links = _clean_cell(phase, rating, notes, evidence_links)
    now = timezone.now()
    with transaction.atomic():
        if expected_version == 0:
            try:
                with transaction.atomic():
                    created = Rating(
                        review=review,
                        item=item,
                        phase=phase,
                        rating=rating,
                        notes=notes,
                        evidence_links=links,
                        version=1,
                        updated_by=by,
                        updated_at=now,
                    )
                    changed_by(created, by)  # save() writes the audit row
                    created.save(force_insert=True)
            except IntegrityError:
                created = None
            if created is not None:
                return RatingSaveResult(saved=True, rating=created)
        else:
            updated = Rating.objects.filter(review=review, item=item, phase=phase, version=expected_version).update(
                rating=rating,
                notes=notes,
                evidence_links=links,
                version=F("version") + 1,
                updated_by=by,
                updated_at=now,
            )
            if updated:
                current = Rating.objects.select_related("updated_by").get(review=review, item=item, phase=phase)
                _history_update(current, by=by)
                return RatingSaveResult(saved=True, rating=current)
        # Conflict (or a stale version for a cell that does not exist yet).
        latest = Rating.objects.select_related("updated_by").filter(review=review, item=item, phase=phase).first()
        if latest is None:
            # The page named a version of a cell that was never saved: treat it as new.
            return rating_save(
                review=review,
                item=item,
                phase=phase,
                rating=rating,
                notes=notes,
                evidence_links=links,
                expected_version=0,
                by=by,
            )
        return RatingSaveResult(saved=False, rating=latest)
