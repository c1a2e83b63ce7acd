"""Reacting to other apps' changes: a changed judgement or target asks for that pupil's trajectory to be
recomputed, through the outbox (written in the caller's transaction, published after commit)."""

from __future__ import annotations

from schoolpl.outbox import enqueue

#: Beyond this many pupils one school-wide recompute is cheaper than a list of pupils.
WHOLE_SCHOOL_FROM = 500


def _recompute(school_id: int, pupil_ids) -> None:
    pupil_ids = sorted({int(p) for p in pupil_ids or ()})
    if not pupil_ids:
        return
    if len(pupil_ids) > WHOLE_SCHOOL_FROM:
        enqueue(
            "targets.tasks.recompute_school",
            dedupe_key=f"targets.recompute_school:{school_id}",
            school_id=school_id,
        )
        return
    key = ",".join(map(str, pupil_ids))
    dedupe = f"targets.recompute_pupils:{school_id}:{key}" if len(key) < 150 else ""
    enqueue("targets.tasks.recompute_pupils", dedupe_key=dedupe, school_id=school_id, pupil_ids=pupil_ids)


def judgements_changed(*, school_id: int, pupil_ids, subject_ids=None, **_) -> None:
    _recompute(school_id, pupil_ids)


def targets_changed(*, school_id: int, pupil_ids, subject_ids=None, **_) -> None:
    _recompute(school_id, pupil_ids)
