"""Reading a school's judgements, plans and windows and classifying them into ProgressStatus rows (with
the pure ``targets.trajectory``): the "new" side of a recompute, as one frame sorted by pupil, subject and
window, each latest row carrying its series fingerprint (:mod:`.fingerprints`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from pupils.models import Pupil
from schoolpl.pgcopy import read_binary_frame

from .. import trajectory
from ..models import PupilTarget, TargetSettings
from ..selectors import in_clause, judgement_frame, windows_frame
from .fingerprints import series_fingerprints

log = logging.getLogger(__name__)


def classify_statuses(
    school_ids: Sequence[int], pupil_ids: Collection[int] | None, thresholds: trajectory.Thresholds
) -> pd.DataFrame:
    """Every status of the schools (or of ``pupil_ids``), sorted by pupil, subject and window, with the
    pupil's ``school_id``."""
    windows = windows_frame(school_ids)
    judgements = judgement_frame(school_ids, pupil_ids).rename(columns={"subject_id": "subject"})
    known = judgements["window_id"].isin(windows["window_id"]).to_numpy()
    if not known.all():  # cannot happen through the product (same school); never break the job over it
        log.warning("recompute: %d judgement(s) in windows of another school ignored", int((~known).sum()))
        judgements = judgements[known]
    plans = _plans_frame(school_ids, pupil_ids)
    plans, step_rules = TargetSettings.with_pscale_lines(plans, school_ids)  # P-scale pupils: their own line
    frame = trajectory.classify_frame(judgements, plans, windows, thresholds, step_rules)
    pupil_ids_out = frame["pupil_id"].to_numpy(dtype=np.int64)
    school_of = pd.Series(plans["school_id"].to_numpy(), index=plans["pupil_id"].to_numpy())
    school_of = school_of[~school_of.index.duplicated()]
    new = pd.DataFrame(
        {
            "school_id": school_of.reindex(pupil_ids_out).to_numpy(dtype=np.int64),
            "pupil_id": pupil_ids_out,
            "subject_id": frame["subject"].to_numpy(dtype=np.int64),
            "window_id": frame["window_id"].to_numpy(dtype=np.int64),
            "expected": np.round(frame["expected"].to_numpy(dtype=float), 6),
            "actual": frame["actual"].to_numpy(dtype=float),
            "status": frame["status"].cat.codes.to_numpy(dtype=np.int16),  # = trajectory.SEVERITY
            "since_window_id": frame["since_window_id"].to_numpy(dtype=np.int64),
        }
    )
    return _mark_latest_rows(new)


def _plans_frame(school_ids: Sequence[int], pupil_ids: Collection[int] | None) -> pd.DataFrame:
    """Every live target (proposed or active) of the schools (or of ``pupil_ids``): the pupil's baseline, the
    school's expected rate from it, the target and the date statuses start from."""
    school_in, school_params = in_clause("school_id", school_ids)
    where, params = in_clause("pupil_id", pupil_ids)
    targets_table, pupils_table = PupilTarget._meta.db_table, Pupil._meta.db_table
    # The flag line is the expected-progress line (baseline + the school's expected rate), not the target:
    # target_points only says whether the pupil has met the target (never stuck then). start_date: the
    # pupil's admission (no status for a window before it), else the baseline date.
    plans = read_binary_frame(
        f"SELECT school_id, pupil_id, subject_id AS subject, baseline_points, baseline_date, target_points, "  # noqa: S608
        f"COALESCE((SELECT p.admission_date FROM {pupils_table} p WHERE p.id = {targets_table}.pupil_id), "
        f"baseline_date) AS start_date FROM {targets_table} "
        f"WHERE status IN ('proposed', 'active'){school_in}{where}",
        [*school_params, *params],
        {
            "school_id": "int8",
            "pupil_id": "int8",
            "subject": "int8",
            "baseline_points": "float8",
            "baseline_date": "date",
            "target_points": "float8",
            "start_date": "date",
        },
    )
    rates = dict(
        TargetSettings.objects.filter(school_id__in=school_ids).values_list("school_id", "expected_points_per_year")
    )
    default_rate = TargetSettings._meta.get_field("expected_points_per_year").default
    plans["points_per_year"] = plans["school_id"].map(lambda s: rates.get(int(s), default_rate)).astype(float)
    return plans


def _mark_latest_rows(new: pd.DataFrame) -> pd.DataFrame:
    """Add ``is_latest`` (the last window of each pupil × subject) and ``series`` (its fingerprint, 0 on the
    earlier rows) to the classified rows."""
    # Rows come sorted by pupil, subject and window order: the last of each pair is the latest.
    pupil, subject = new["pupil_id"].to_numpy(), new["subject_id"].to_numpy()
    boundary = (pupil[1:] != pupil[:-1]) | (subject[1:] != subject[:-1])
    last = np.ones(len(new), dtype=bool)
    last[:-1] = boundary
    new["is_latest"] = last
    # The series fingerprint, on each latest row: the sum of its rows' hashes (order-free, wrapping).
    starts = np.flatnonzero(np.concatenate([[True], boundary]))
    new["series"] = series_fingerprints(new, starts, last)
    return new


def school_thresholds(school_ids: Sequence[int]) -> dict[int, trajectory.Thresholds]:
    """school → its flag thresholds (the defaults where it has set none)."""
    found = {t.school_id: t.thresholds() for t in TargetSettings.objects.filter(school_id__in=school_ids)}
    return {s: found.get(s, trajectory.DEFAULT_THRESHOLDS) for s in school_ids}
