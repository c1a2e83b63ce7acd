"""Who hears about pupils off trajectory: in-app notices when a recompute finds a pupil newly behind, stuck or
well behind (to the pupil's teachers of the subject and the school's SENCOs), and the weekly e-mail digest
listing each teacher's and SENCO's pupils off trajectory.

Both are claimed with a unique ``dedupe_key`` on Notification, so a repeated or concurrent run sends nothing
twice. Flags are advice to a teacher, who decides (DESIGN §4).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from assessment.models import Subject
from pupils.models import GroupMembership, Pupil, TeachingGroupTeacher
from schoolpl.access import SchoolAccess
from schoolpl.models import AssessmentWindow, Membership
from schoolpl.roles import Role

from .. import explain, trajectory
from ..models import Notification, ProgressStatus
from ..selectors import off_trajectory_for
from .store import STATUS_NAMES

#: Statuses that put a pupil "off trajectory" (and trigger a notification when newly reached).
OFF_TRAJECTORY = (trajectory.BEHIND, trajectory.STUCK, trajectory.WELL_BEHIND)
_OFF_CODES = [trajectory.SEVERITY[s] for s in OFF_TRAJECTORY]


def newly_off(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """Latest statuses that newly became behind, stuck or well behind (worse than the previous latest)."""
    off = new["is_latest"] & new["status"].isin(_OFF_CODES)
    current = new.loc[off, ["school_id", "pupil_id", "subject_id", "window_id", "status"]]
    if current.empty:
        return current.assign(status=current["status"].astype(object))
    before = old.loc[old["is_latest"], ["pupil_id", "subject_id", "status"]].rename(columns={"status": "before"})
    merged = current.merge(before, on=["pupil_id", "subject_id"], how="left")
    worse = merged[merged["status"] > merged["before"].fillna(-1)]
    return worse.assign(status=STATUS_NAMES[worse["status"].to_numpy(dtype=np.int64)])


@dataclass
class _Audience:
    """Who may be told about the flagged pupils of some schools: active staff and SENCOs per school, each
    pupil's current groups (with their subject) and each group's teachers."""

    active_users: defaultdict = field(default_factory=lambda: defaultdict(set))  # school → users
    sencos: defaultdict = field(default_factory=lambda: defaultdict(set))  # school → users
    groups_of: defaultdict = field(default_factory=lambda: defaultdict(list))  # pupil → [(group, group subject)]
    teachers_of: defaultdict = field(default_factory=lambda: defaultdict(set))  # group → users

    def recipients(self, school_id: int, pupil_id: int, group_subject) -> list[int]:
        """The school's SENCOs and the pupil's teachers in ``group_subject``, if still active there."""
        found = set(self.sencos[school_id])
        for group_id, subject_of_group in self.groups_of.get(pupil_id, []):
            if subject_of_group == group_subject:
                found |= self.teachers_of[group_id]
        return sorted(found & self.active_users[school_id])


def _audience(school_ids: list[int], pupils: dict) -> _Audience:
    """Three queries: the schools' active memberships, the pupils' current groups, those groups' teachers."""
    audience = _Audience()
    for school_id, user_id, role in Membership.objects.filter(school_id__in=school_ids, is_active=True).values_list(
        "school_id", "user_id", "role"
    ):
        audience.active_users[school_id].add(user_id)
        if role == Role.SENCO:
            audience.sencos[school_id].add(user_id)
    for pupil_id, group_id, group_subject, group_school in (
        GroupMembership.objects.current()
        .filter(pupil_id__in=list(pupils), group__school_id__in=school_ids)
        .values_list("pupil_id", "group_id", "group__subject", "group__school_id")
    ):
        if group_school == pupils[pupil_id][0]:
            audience.groups_of[pupil_id].append((group_id, group_subject))
    for group_id, user_id in TeachingGroupTeacher.objects.filter(
        group_id__in={g for gs in audience.groups_of.values() for g, _ in gs}
    ).values_list("group_id", "user_id"):
        audience.teachers_of[group_id].add(user_id)
    return audience


_StatusRow = namedtuple("_StatusRow", "pupil_id subject_id window_id status expected actual since_window_id")


def _histories(pupils, subjects=None) -> dict[tuple[int, int], list[_StatusRow]]:
    """(pupil, subject) → the pupil's stored status rows, oldest first (one query), for the notices' text;
    in ``subjects`` only, when given."""
    histories: dict[tuple[int, int], list[_StatusRow]] = defaultdict(list)
    wanted = ProgressStatus.objects.filter(pupil_id__in=list(pupils))
    if subjects is not None:
        wanted = wanted.filter(subject_id__in=list(subjects))
    rows = wanted.order_by("pupil_id", "subject_id", "window__end_date", "window_id").values_list(*_StatusRow._fields)
    for row in rows:
        found = _StatusRow(*row)
        histories[(found.pupil_id, found.subject_id)].append(found)
    return histories


def _sentence(history: list[_StatusRow], window_id: int, windows: dict, subject) -> str:
    """Why the pupil has their status at ``window_id``: "Behind: judged 3c in Spring 1 2026, one sub-level
    below the expected line (3b) since Autumn 2 2025."; "" if unknown."""
    cut = next((i for i, r in enumerate(history) if r.window_id == window_id), None)
    if cut is None:
        return ""
    return explain.explain_latest(history[: cut + 1], windows, explain.scale_of(subject))


def _why(history: list[_StatusRow], window_id: int, windows: dict, subject) -> str:
    """:func:`_sentence` without the status word the notice already gives; "" if unknown."""
    sentence = _sentence(history, window_id, windows, subject)
    return sentence.split(": ", 1)[1] if sentence else ""


def notify_off_trajectory(flagged: pd.DataFrame) -> Counter:
    """In-app notices to the pupil's current teachers of the subject and to every SENCO of the pupil's school
    (deduplicated), for ``flagged`` rows (school_id, pupil_id, subject_id, window_id, status) of any number of
    schools in one set of queries. Returns school → notices created."""
    if flagged.empty:
        return Counter()
    school_ids = sorted({int(s) for s in flagged["school_id"]})
    pupil_ids = sorted({int(p) for p in flagged["pupil_id"]})
    pupils = {
        pk: (school_id, pf or lf, ps or ls)
        for pk, school_id, lf, ls, pf, ps in Pupil.objects.filter(
            pk__in=pupil_ids, school_id__in=school_ids, archived_at__isnull=True
        ).values_list("pk", "school_id", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname")
    }
    if not pupils:
        return Counter()
    subject_rows = Subject.objects.filter(school_id__in=school_ids).only(
        "school_id", "name", "group_subject", "scale_code"
    )
    subjects = {s.pk: s for s in subject_rows}
    windows = dict(AssessmentWindow.objects.filter(school_id__in=school_ids).values_list("pk", "name"))
    histories = _histories(pupils)
    audience = _audience(school_ids, pupils)
    notices: list[Notification] = []
    for row in flagged.itertuples(index=False):
        pupil_id = int(row.pupil_id)
        pupil = pupils.get(pupil_id)
        subject = subjects.get(int(row.subject_id))
        if pupil is None or subject is None or subject.school_id != pupil[0]:
            continue
        school_id, forename, surname = pupil
        label = trajectory.LABELS[row.status].lower()
        why = _why(histories.get((pupil_id, subject.pk), []), int(row.window_id), windows, subject)
        message = f"{forename} {surname} is now {label} in {subject.name}" + (
            f": {why}" if why else f" ({windows.get(int(row.window_id), '')})."
        )
        key = f"off-trajectory:{pupil_id}:{subject.pk}:{int(row.window_id)}:{row.status}"
        notices.extend(
            Notification(
                school_id=school_id,
                user_id=user_id,
                pupil_id=pupil_id,
                kind=f"progress_{row.status}",
                message=message[:300],
                dedupe_key=key,
            )
            for user_id in audience.recipients(school_id, pupil_id, subject.group_subject)
        )
    Notification.objects.bulk_create(notices, batch_size=1000, ignore_conflicts=True)
    return Counter(n.school_id for n in notices)


def progress_notify_latest_slips(*, school_id: int) -> int:
    """Send the notices the nightly run would have sent when the school's latest window was judged: pupils
    whose latest status is off trajectory and worse than at their previous window. For a school whose
    history arrived all at once (an import, the demo), after the silent baseline run."""
    rows = pd.DataFrame(
        ProgressStatus.objects.filter(school_id=school_id)
        .order_by("pupil_id", "subject_id", "window__end_date", "window_id")
        .values_list("pupil_id", "subject_id", "window_id", "status", "is_latest"),
        columns=["pupil_id", "subject_id", "window_id", "status", "is_latest"],
    )
    if rows.empty:
        return 0
    severity = rows["status"].map(trajectory.SEVERITY)
    before = severity.groupby([rows["pupil_id"], rows["subject_id"]]).shift(1).fillna(-1)
    slipped = rows["is_latest"] & rows["status"].isin(OFF_TRAJECTORY) & (severity > before)
    flagged = rows.loc[slipped, ["pupil_id", "subject_id", "window_id", "status"]].assign(school_id=school_id)
    return notify_off_trajectory(flagged).get(school_id, 0)


# ------------------------------------------------------------------------------------------------
# The weekly e-mail digest
# ------------------------------------------------------------------------------------------------


class _WindowNames(dict):
    """school id → {window id: name}, read once per school (one query) when first asked for."""

    def __missing__(self, school_id: int) -> dict:
        names = dict(AssessmentWindow.objects.filter(school_id=school_id).values_list("pk", "name"))
        self[school_id] = names
        return names


def _explain_rows(rows: list[ProgressStatus], windows_of: _WindowNames) -> list[str]:
    """Per digest row, the sentence the in-app notice and the profile give ("Stuck: no gain over the last 3
    assessments: 2a since Summer 2025; …"). One query for the rows' histories (and one for the school's window
    names, once per school)."""
    if not rows:
        return []
    names = windows_of[rows[0].school_id]
    histories = _histories({r.pupil_id for r in rows}, {r.subject_id for r in rows})
    return [
        _sentence(histories.get((row.pupil_id, row.subject_id), []), row.window_id, names, row.subject) for row in rows
    ]


def digest_send_weekly(*, today: dt.date | None = None) -> int:
    """Email each active teacher and SENCO with an address a list of their pupils off trajectory, each with the
    sentence saying why (as on the in-app notice). Queries: the memberships (1), then per user the rows (1), the
    claim (1) and the rows' histories (1), and per school its window names (1).

    Claimed per user and ISO week with a ``weekly_digest`` Notification (unique dedupe key), so a repeated
    or concurrent run sends nothing twice. Returns the number of emails sent."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    sent = 0
    memberships = (
        Membership.objects.filter(is_active=True, role__in=[Role.TEACHER, Role.SENCO])
        .exclude(user__email="")
        .select_related("user", "school")
        .order_by("school_id", "user_id")
    )
    windows_of = _WindowNames()
    by_user_school: dict[tuple[int, int], list] = {}
    for m in memberships:
        by_user_school.setdefault((m.school_id, m.user_id), []).append(m)
    for (_, _), ms in by_user_school.items():
        user, school = ms[0].user, ms[0].school
        access = SchoolAccess(user=user, school=school, roles=frozenset(m.role for m in ms))
        rows = list(off_trajectory_for(access)[:200])
        if not rows:
            continue
        key = f"weekly-digest:{year}-W{week:02d}"
        try:
            with transaction.atomic():
                Notification.objects.create(
                    school=school,
                    user=user,
                    kind="weekly_digest",
                    message=f"Weekly digest: {len(rows)} pupil result(s) off trajectory.",
                    dedupe_key=key,
                    read_at=timezone.now(),
                )
        except IntegrityError:
            continue  # already sent this week
        explained = list(zip(rows, _explain_rows(rows, windows_of), strict=True))
        context = {"user": user, "school": school, "rows": explained}
        body = render_to_string("targets/email/weekly_digest.txt", context)
        send_mail(
            f"{school.name}: pupils off trajectory this week",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        sent += 1
    return sent
