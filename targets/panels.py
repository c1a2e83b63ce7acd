"""Blocks for the pupil profile (trajectory charts, targets in the pupil's words) and the home page
(a teacher's pupils off trajectory; unread notifications). Constant queries each."""

from __future__ import annotations

from schoolpl.nav import Panel
from schoolpl.roles import Cap

from . import chain, selectors
from .models import CurricularTarget, Notification

READ = (Cap.EDIT_TARGETS_OWN, Cap.EDIT_TARGETS_ALL, Cap.READ_TARGETS_ALL)
EDIT = (Cap.EDIT_TARGETS_OWN, Cap.EDIT_TARGETS_ALL)


def pupil_panels(request, pupil=None, **kwargs) -> list[Panel]:
    access = request.access
    if pupil is None or access is None or not access.can(*READ) or not access.sees_pupil_names:
        return []
    trajectories = selectors.pupil_trajectories(pupil)  # 6 queries (with the school's own AREs)
    targets = list(  # 2 queries (targets, reviews)
        CurricularTarget.objects.filter(pupil=pupil, status=CurricularTarget.Status.ACTIVE)
        .select_related("subject")
        .prefetch_related("reviews")[:10]
    )
    return [
        Panel(
            title="Targets and trajectory",
            template="targets/panels/pupil.html",
            context={
                "pupil": pupil,
                "trajectories": trajectories,
                "targets": targets,
                "chains": chain.chain_for_pupil(pupil),  # 4 queries (numeric, scales, curricular, provision)
                "can_edit": access.can(*EDIT),
            },
            order=40,
        )
    ]


def home_panels(request, **kwargs) -> list[Panel]:
    access = request.access
    if access is None:
        return []
    panels = []
    unread = Notification.objects.filter(user=request.user, school=access.school, read_at__isnull=True).exclude(
        kind="weekly_digest"
    )
    recent = list(unread[:5])  # 1 query
    if recent:
        panels.append(
            Panel(
                title="Notifications",
                template="targets/panels/notifications.html",
                context={"recent": recent, "count": unread.count()},  # +1 query
                order=10,
            )
        )
    if access.can(Cap.EDIT_TARGETS_OWN) and not access.sees_all_pupils:
        rows = list(selectors.off_trajectory_for(access)[:50])  # 1 query
        panels.append(
            Panel(
                title="Your pupils off trajectory",
                template="targets/panels/off_trajectory.html",
                context={"rows": rows},
                order=20,
            )
        )
    return panels
