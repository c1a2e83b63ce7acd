"""The demo school's self-review: last year's review complete in all three phases, and this year's with phase 1
complete and phase 2 partly rated, with notes a leadership team might write."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .models import AnnexItem, Rating, Review, ReviewPhase

# Notes by rating: what a senior leader or SIP might record.
NOTES = {
    1: [
        "Consistently seen in lesson observations across both key stages.",
        "Well embedded; staff share practice at weekly briefings.",
        "Strong in book scrutiny and pupil interviews this term.",
    ],
    2: [
        "Established in most classes; a few newer staff need coaching.",
        "Good practice in upper KS2, less consistent in Years 1 and 2.",
        "In place, but monitoring shows it is not yet routine in every subject.",
    ],
    3: [
        "Seen in some lessons only; added to the staff CPD plan for next term.",
        "Leaders agree this needs a clearer whole-school approach.",
        "Pupil voice shows mixed experience; subject leaders to review.",
    ],
    4: [
        "Not yet in place; a priority in the school development plan.",
        "Little evidence in monitoring; needs a lead and a timeline.",
    ],
}
LINKS = [
    "Lesson observation summary (staff shared drive)",
    "Book scrutiny notes, governors' curriculum committee",
    "Pupil voice survey results",
]


def _ratings(ctx, review, items, phase, day, by, previous=None, only=None) -> list[Rating]:
    rows = []
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(16, 30)))
    for item in items:
        if only is not None and item.feature.number not in only:
            continue
        if previous is None:
            value = ctx.rng.choices([1, 2, 3, 4], weights=[2, 4, 3, 1])[0]
        else:
            # Most items hold or improve by one step between phases; a few slip.
            value = max(1, min(4, previous[item.pk] - ctx.rng.choices([0, 1, -1], weights=[5, 4, 1])[0]))
        rows.append(
            Rating(
                review=review,
                item=item,
                phase=phase,
                rating=value,
                notes=ctx.rng.choice(NOTES[value]),
                evidence_links=ctx.rng.choice(LINKS) if ctx.rng.random() < 0.3 else "",
                version=1,
                updated_by=by,
                updated_at=when,
            )
        )
    return rows


def build(ctx) -> None:
    items = list(AnnexItem.objects.select_related("feature").order_by("position"))
    leader, sip = ctx.users.get("leader"), ctx.users.get("sip")
    this_year = ctx.current_year
    last_start = this_year.start_date.replace(year=this_year.start_date.year - 1)

    last = Review.objects.create(
        school=ctx.school,
        title="Annual self-review",
        academic_year_label=f"{last_start.year}/{str(last_start.year + 1)[-2:]}",
        created_by=leader,
    )
    last_dates = [last_start + dt.timedelta(days=d) for d in (45, 170, 290)]
    current = Review.objects.create(
        school=ctx.school,
        title="Annual self-review",
        academic_year_label=this_year.name,
        created_by=leader,
    )
    start = this_year.start_date
    p1 = min(start + dt.timedelta(days=45), ctx.today)
    p2 = max(p1 + dt.timedelta(days=14), min(start + dt.timedelta(days=170), ctx.today))
    p3 = max(p2 + dt.timedelta(days=14), start + dt.timedelta(days=290))
    ReviewPhase.objects.bulk_create(
        [ReviewPhase(review=last, phase=i + 1, date=d) for i, d in enumerate(last_dates)]
        + [ReviewPhase(review=current, phase=i + 1, date=d) for i, d in enumerate((p1, p2, p3))]
    )

    rows = []
    previous = None
    for phase, day in enumerate(last_dates, start=1):
        phase_rows = _ratings(ctx, last, items, phase, day, leader, previous)
        previous = {r.item_id: r.rating for r in phase_rows}
        rows += phase_rows
    # This year starts from where last year ended, a little worse after staff changes.
    carried = {k: min(4, v + ctx.rng.choice([0, 0, 1])) for k, v in previous.items()}
    phase1 = _ratings(ctx, current, items, 1, p1, leader, carried)
    rows += phase1
    rows += _ratings(ctx, current, items, 2, p2, sip, {r.item_id: r.rating for r in phase1}, only={1, 2, 3, 4})
    bulk_create_with_history(rows, Rating, batch_size=500)
    ctx.extras["selfreview_review"] = current
    ctx.say(f"Self-review: 2 reviews, {len(rows)} ratings (this year: phase 1 complete, phase 2 in progress).")
