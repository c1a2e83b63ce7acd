"""Scoping for pupil data: the one place that decides which pupils and groups a user may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone


def _today() -> dt.date:
    return timezone.localdate()


class GroupMembershipQuerySet(QuerySet):
    def current(self, on: dt.date | None = None) -> GroupMembershipQuerySet:
        on = on or _today()
        return self.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))


class TeachingGroupQuerySet(QuerySet):
    def visible_to(self, access) -> TeachingGroupQuerySet:
        """All the school's groups for those who see every pupil; a teacher's (or tutor's) own groups;
        nothing for anyone else."""
        if access is None or not access.sees_pupil_names:
            return self.none()
        mine = self.filter(school=access.school)
        if access.sees_all_pupils:
            return mine
        return mine.filter(teacher_links__user=access.user).distinct()


class PupilQuerySet(QuerySet):
    def visible_to(self, access, on: dt.date | None = None) -> PupilQuerySet:
        """Pupils this user may see by name: the whole school for SENCOs, leaders and admins; for a
        teacher or personal tutor, pupils currently in a group they teach or on their tutor caseload; none
        for a SIP (aggregates only)."""
        if access is None or not access.sees_pupil_names:
            return self.none()
        mine = self.filter(school=access.school)
        if access.sees_all_pupils:
            return mine
        from .models import GroupMembership, TutorAssignment

        taught = GroupMembership.objects.current(on).filter(
            pupil=OuterRef("pk"), group__teacher_links__user=access.user
        )
        tutored = TutorAssignment.objects.current(on).filter(pupil=OuterRef("pk"), tutor=access.user)
        return mine.filter(Exists(taught) | Exists(tutored))

    def in_school(self, school) -> PupilQuerySet:
        """For aggregates (dashboards, a SIP's figures): every pupil of the school, never shown by name."""
        return self.filter(school=school)

    def on_roll(self) -> PupilQuerySet:
        return self.filter(archived_at__isnull=True)

    def in_group(self, group, on: dt.date | None = None) -> PupilQuerySet:
        from .models import GroupMembership

        return self.filter(Exists(GroupMembership.objects.current(on).filter(pupil=OuterRef("pk"), group=group)))
