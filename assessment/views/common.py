"""What the assessment pages share: who may read and record, and reading an id from a query."""

from __future__ import annotations

from pupils.models import TeachingGroup
from schoolpl.roles import Cap

from .. import services

RECORDERS = (Cap.RECORD_ASSESSMENT_OWN, Cap.RECORD_ASSESSMENT_ALL)
READERS = (Cap.RECORD_ASSESSMENT_OWN, Cap.RECORD_ASSESSMENT_ALL, Cap.VIEW_PUPILS_ALL)
PUPIL_READERS = (Cap.VIEW_PUPILS_OWN, Cap.VIEW_PUPILS_ALL)


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def may_record(access, group: TeachingGroup) -> bool:
    """Whether the user may record for ``group`` (saves a query when the group list already says so)."""
    if access.can(Cap.RECORD_ASSESSMENT_ALL):
        return True
    if not access.can(Cap.RECORD_ASSESSMENT_OWN):
        return False
    if not access.sees_all_pupils:
        return True  # the group came from visible_to, which for this user means a group they teach
    return services.can_record_for(access, group)
