"""Proposing numeric targets (:func:`targets.services.target_propose`): the school's own history for
percentile proposals, every pupil × subject's baseline, and saving the proposals as PupilTargets."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessment.models import TransitionalResult
from assessment.scales import POST2014_SCALES

from . import ambition
from .models import PupilTarget

if TYPE_CHECKING:
    from schoolpl.models import School, User


@dataclass
class ProposalResult:
    created: int = 0
    refreshed: int = 0
    skipped_active: int = 0
    no_baseline: int = 0
    own_scale_only: int = 0  # of no_baseline: only a post-2014 result, on a scale of its own (EXS, 104)


def history_frame(judgements: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """The school's own history for percentile proposals: each pupil × subject's first and last judgement
    at least a year apart → baseline, points gained, years."""
    if judgements.empty:
        return pd.DataFrame(columns=["subject", "baseline_points", "gained_points", "years"])
    j = judgements.merge(windows[["window_id", "end_date", "ordinal"]], on="window_id")
    j = j.sort_values(["pupil_id", "subject_id", "ordinal"])
    g = j.groupby(["pupil_id", "subject_id"], sort=False)
    first, last = g.first(), g.last()
    years = np.asarray(ambition.years_between(first["end_date"], last["end_date"]), dtype=float)
    history = pd.DataFrame(
        {
            "subject": first.index.get_level_values("subject_id"),
            "baseline_points": first["points"].to_numpy(dtype=float),
            "gained_points": (last["points"] - first["points"]).to_numpy(dtype=float),
            "years": years,
        }
    )
    return history[history["years"] >= 0.9]


def baselines(
    school: School, year_of: dict, subject_list: list, judgements: pd.DataFrame, windows: pd.DataFrame
) -> pd.DataFrame:
    """Every pupil × subject with its baseline: points, date, and where it comes from (the latest
    end-of-key-stage result with points on the subject's scale, else the earliest judgement; NaN where there is
    neither: ``baseline_from`` then says when a post-2014 result on its own scale was all there was)."""
    grid = pd.MultiIndex.from_product([list(year_of), subject_list], names=["pupil_id", "subject_id"]).to_frame(
        index=False
    )
    # Earliest judgement per pupil × subject.
    mine = judgements[judgements["pupil_id"].isin(year_of)].merge(windows, on="window_id")
    earliest = (
        mine.sort_values("ordinal").drop_duplicates(["pupil_id", "subject_id"])[
            ["pupil_id", "subject_id", "points", "end_date"]
        ]
        if not mine.empty
        else pd.DataFrame(columns=["pupil_id", "subject_id", "points", "end_date"])
    )
    # Latest end-of-key-stage result with points.
    transitional = pd.DataFrame(
        list(
            TransitionalResult.objects.on_subject_line()
            .filter(school=school, points__isnull=False, pupil_id__in=list(year_of), subject_id__in=subject_list)
            .order_by("pupil_id", "subject_id", "-year", "key_stage", "method")
            .values_list("pupil_id", "subject_id", "points", "year", "key_stage")
        ),
        columns=["pupil_id", "subject_id", "points", "year", "key_stage"],
    ).drop_duplicates(["pupil_id", "subject_id"])
    transitional["end_date"] = [dt.date(int(y), 7, 1) for y in transitional["year"]]

    grid = grid.merge(
        transitional[["pupil_id", "subject_id", "points", "end_date", "key_stage"]],
        how="left",
        on=["pupil_id", "subject_id"],
    ).merge(earliest, how="left", on=["pupil_id", "subject_id"], suffixes=("_ks", "_first"))
    use_ks = grid["points_ks"].notna()
    grid["baseline_points"] = np.where(use_ks, grid["points_ks"], grid["points_first"]).astype(float)
    grid["baseline_date"] = pd.to_datetime(pd.Series(np.where(use_ks, grid["end_date_ks"], grid["end_date_first"])))
    grid["baseline_from"] = np.where(use_ks, grid["key_stage"].fillna("") + " result", "earliest judgement")
    own_scale = set(
        TransitionalResult.objects.filter(
            school=school, scale__in=sorted(POST2014_SCALES), pupil_id__in=list(year_of), subject_id__in=subject_list
        ).values_list("pupil_id", "subject_id")
    )
    only_own = grid["baseline_points"].isna() & pd.Series(
        [key in own_scale for key in zip(grid["pupil_id"], grid["subject_id"], strict=True)], index=grid.index
    )
    grid.loc[only_own, "baseline_from"] = OWN_SCALE_ONLY
    return grid


#: Where a pupil × subject's only baseline is a post-2014 result on a scale of its own.
OWN_SCALE_ONLY = "baseline on the 2016+ scale: no NC-level trajectory"


#: What a proposal sets on a PupilTarget (and refreshes on an unaccepted one).
PROPOSAL_FIELDS = (
    "baseline_points",
    "baseline_date",
    "target_points",
    "target_date",
    "proposed_points",
    "proposal_basis",
)


def save_proposals(
    school: School, grid: pd.DataFrame, pupil_ids: list, subject_list: list, by: User | None, result: ProposalResult
) -> set[int]:
    """Create or refresh the PupilTarget of each proposal in ``grid`` (counting into ``result``); an active
    target is kept. Returns the pupils whose targets changed."""
    current = {
        (t.pupil_id, t.subject_id): t
        for t in PupilTarget.objects.filter(
            school=school,
            pupil_id__in=pupil_ids,
            subject_id__in=subject_list,
            status__in=[PupilTarget.Status.PROPOSED, PupilTarget.Status.ACTIVE],
        )
    }
    new, refreshed, changed_pupils = [], [], set()
    for row in grid.itertuples(index=False):
        if not math.isfinite(row.proposed_points):
            result.no_baseline += 1
            result.own_scale_only += row.baseline_from == OWN_SCALE_ONLY
            continue
        fields = {
            "baseline_points": float(row.baseline_points),
            "baseline_date": row.baseline_date.date(),
            "target_points": float(row.proposed_points),
            "target_date": row.target_date.date(),
            "proposed_points": float(row.proposed_points),
            "proposal_basis": f"{row.basis} (baseline: {row.baseline_from})"[:300],
        }  # the keys are PROPOSAL_FIELDS
        existing = current.get((row.pupil_id, row.subject_id))
        if existing is not None and existing.status == PupilTarget.Status.ACTIVE:
            result.skipped_active += 1
            continue
        if existing is None:
            new.append(
                PupilTarget(school=school, pupil_id=row.pupil_id, subject_id=row.subject_id, set_by=by, **fields)
            )
        elif any(getattr(existing, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(existing, k, v)
            existing.set_by = by
            refreshed.append(existing)
        else:
            continue
        changed_pupils.add(int(row.pupil_id))
    if new:
        bulk_create_with_history(new, PupilTarget, batch_size=1000, default_user=by)
    if refreshed:
        bulk_update_with_history(refreshed, PupilTarget, [*PROPOSAL_FIELDS, "set_by"], batch_size=1000, default_user=by)
    result.created, result.refreshed = len(new), len(refreshed)
    return changed_pupils
