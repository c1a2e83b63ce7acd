"""Staff accounts in a school: every write the staff pages make, keyword-only and atomic, each one recorded.

A member of staff is a ``User`` with one ``Membership`` per role in each school (one account across the
schools of a trust: an invitation to an address that already has an account reuses it). Every change is in
the audit: roles given, removed, deactivated and reactivated in ``Membership``'s own history (who, when,
before → after), and every change of any kind as a ``StaffChange`` row (``audit_rows``).

Teaching groups and tutees belong to the pupils app, which sits above this one: they are reached through
the app registry (``_pupils_model``), never imported, so schoolpl keeps importing no app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from .history import changed_by
from .models import Membership, School, StaffChange, User
from .roles import PORTAL_ROLES, Role

#: The roles the staff pages give and take away (pupil and parent accounts are the portal's).
STAFF_ROLES: tuple[str, ...] = tuple(r for r in Role.values if r not in PORTAL_ROLES)
Action = StaffChange.Action


def role_label(role: str) -> str:
    return str(Role(role).label)


def record(*, school: School, user: User, action: str, by: User | None, detail: str = "") -> StaffChange:
    """One line of the staff audit."""
    return StaffChange.objects.create(school=school, user=user, action=action, by=by, detail=detail[:300])


def audit_rows(school: School) -> QuerySet[StaffChange]:
    """Every staff change in ``school``, newest first, with who it was about and who made it (one query):
    what the school's audit log reads."""
    return StaffChange.objects.filter(school=school).select_related("user", "by").order_by("-at", "-pk")


# --- Who is on the staff -------------------------------------------------------------------------------


@dataclass
class StaffMember:
    user: User
    roles: list[str]  # active roles in the school
    former_roles: list[str]  # roles once held, now inactive
    mfa: bool

    @property
    def active(self) -> bool:
        return bool(self.roles)

    @property
    def role_labels(self) -> str:
        return ", ".join(role_label(r) for r in self.roles) or "—"


def staff_users(school: School) -> QuerySet[User]:
    """Every user who holds (or held) a staff role in ``school``: the staff pages' scope."""
    ids = Membership.objects.filter(school=school, role__in=STAFF_ROLES).values("user_id")
    return User.objects.filter(pk__in=ids)


def staff_list(school: School, *, search: str = "", role: str = "", status: str = "") -> list[StaffMember]:
    """The school's staff with their roles and whether an authenticator app is paired (two queries)."""
    memberships = (
        Membership.objects.filter(school=school, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    )
    if search:
        words = Q()
        for word in search.split():
            words &= (
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word)
                | Q(user__username__icontains=word)
            )
        memberships = memberships.filter(words)
    found: dict[int, StaffMember] = {}
    for m in memberships:
        member = found.setdefault(m.user_id, StaffMember(user=m.user, roles=[], former_roles=[], mfa=False))
        (member.roles if m.is_active else member.former_roles).append(m.role)
    paired = set(TOTPDevice.objects.filter(user_id__in=list(found), confirmed=True).values_list("user_id", flat=True))
    members = []
    for member in found.values():
        member.mfa = member.user.pk in paired
        if role and role not in member.roles:
            continue
        if status and status != ("active" if member.active else "inactive"):
            continue
        members.append(member)
    return members


def staff_member(school: School, user: User) -> StaffMember:
    [member] = [m for m in staff_list(school) if m.user.pk == user.pk]
    return member


# --- Invitations -----------------------------------------------------------------------------------------


def invitation_link(user: User, base_url: str) -> str:
    """The one-time link to set a password: it expires after ``PASSWORD_RESET_TIMEOUT`` and stops working once
    used (the token is made from the password, which setting one changes)."""
    path = reverse(
        "staff_set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def send_invitation(*, user: User, school: School, base_url: str) -> None:
    """E-mail ``user`` their link (after the transaction commits: a rolled-back invitation sends nothing)."""
    context = {
        "user": user,
        "school": school,
        "link": invitation_link(user, base_url),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    subject = f"Your {school.name} account"
    body = render_to_string("registration/staff_invitation_email.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def _account_for(*, email: str, first_name: str, last_name: str) -> tuple[User, bool]:
    """The account with ``email`` (one per person across a trust's schools), or a new one without a usable
    password. Raises ``ValidationError`` when two accounts share the address."""
    existing = list(User.objects.filter(email__iexact=email)[:2])
    if len(existing) > 1:
        raise ValidationError({"email": "More than one account has this address: ask your system administrator."})
    if existing:
        return existing[0], False
    username = email.lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"email": "An account already uses this address as its username."})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user, True


@transaction.atomic
def staff_invite(
    *, school: School, by: User | None, email: str, first_name: str, last_name: str, roles: Iterable[str], base_url: str
) -> tuple[User, bool]:
    """Give the person with ``email`` the ``roles`` in ``school``, creating their account if they have none,
    and e-mail a link to set a password to anyone who has never set one. Returns (user, created)."""
    roles = _checked_roles(roles)
    if not roles:
        raise ValidationError({"roles": "Choose at least one role."})
    user, created = _account_for(email=email.strip(), first_name=first_name.strip(), last_name=last_name.strip())
    if created or not user.has_usable_password():
        record(school=school, user=user, action=Action.INVITED, by=by, detail=user.email)
        send_invitation(user=user, school=school, base_url=base_url)
    roles_set(school=school, user=user, roles=set(roles) | set(staff_member_roles(school, user)), by=by)
    return user, created


@transaction.atomic
def invitation_resend(*, school: School, user: User, by: User | None, base_url: str) -> None:
    if user.has_usable_password():
        raise ValidationError("They have already set a password: they can sign in, or reset it.")
    record(school=school, user=user, action=Action.INVITE_RESENT, by=by, detail=user.email)
    send_invitation(user=user, school=school, base_url=base_url)


# --- Roles, leavers ----------------------------------------------------------------------------------------


def _checked_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in STAFF_ROLES]
    if unknown:
        raise ValidationError({"roles": f"Not a staff role: {', '.join(unknown)}."})
    return roles


def staff_member_roles(school: School, user: User) -> list[str]:
    return list(Membership.objects.filter(school=school, user=user, is_active=True).values_list("role", flat=True))


def _save_membership(membership: Membership, *, is_active: bool, by: User | None) -> None:
    membership.is_active = is_active
    changed_by(membership, by)
    membership.save()


@transaction.atomic
def roles_set(*, school: School, user: User, roles: Iterable[str], by: User | None) -> tuple[list[str], list[str]]:
    """Make ``roles`` exactly the user's active staff roles in ``school``; returns (given, removed).

    An admin cannot take their own admin role away (nor leave themselves with no role: that is deactivating).
    """
    wanted = set(_checked_roles(roles))
    if by is not None and by.pk == user.pk and Role.ADMIN not in wanted:
        raise ValidationError({"roles": "You cannot remove your own admin role: ask another admin."})
    held = {m.role: m for m in Membership.objects.select_for_update().filter(school=school, user=user)}
    given, removed = [], []
    for role in STAFF_ROLES:
        membership = held.get(role)
        active = membership is not None and membership.is_active
        if role in wanted and not active:
            if membership is None:
                membership = Membership(school=school, user=user, role=role)
            _save_membership(membership, is_active=True, by=by)
            given.append(role)
        elif role not in wanted and active and membership is not None:
            _save_membership(membership, is_active=False, by=by)
            removed.append(role)
    for role in given:
        record(school=school, user=user, action=Action.ROLE_GIVEN, by=by, detail=role_label(role))
    for role in removed:
        record(school=school, user=user, action=Action.ROLE_REMOVED, by=by, detail=role_label(role))
    _sync_account(user)
    return given, removed


def _sync_account(user: User) -> None:
    """A user with no active membership anywhere cannot sign in, and their sessions end at once; one with
    an active membership again can."""
    active = Membership.objects.filter(user=user, is_active=True).exists()
    if active != user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=active)
        user.is_active = active
    if not active:
        end_sessions(user)


def end_sessions(user: User) -> int:
    """Delete every open session of ``user`` (database sessions): their next request is signed out."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def staff_deactivate(*, school: School, user: User, by: User | None) -> None:
    """A leaver: every role in ``school`` inactive (kept, with their history); with no active role in any
    school the account is switched off and its sessions end at once."""
    if by is not None and by.pk == user.pk:
        raise ValidationError("You cannot deactivate your own account: ask another admin.")
    for membership in Membership.objects.select_for_update().filter(school=school, user=user, is_active=True):
        _save_membership(membership, is_active=False, by=by)
    record(school=school, user=user, action=Action.DEACTIVATED, by=by)
    _sync_account(user)


@transaction.atomic
def staff_reactivate(*, school: School, user: User, by: User | None) -> list[str]:
    """Give back the roles the member of staff held here when they were deactivated."""
    roles = list(
        Membership.objects.filter(school=school, user=user, role__in=STAFF_ROLES).values_list("role", flat=True)
    )
    for membership in Membership.objects.select_for_update().filter(school=school, user=user, role__in=roles):
        _save_membership(membership, is_active=True, by=by)
    record(school=school, user=user, action=Action.REACTIVATED, by=by, detail=", ".join(map(role_label, roles)))
    _sync_account(user)
    return roles


@transaction.atomic
def mfa_reset(*, school: School, user: User, by: User | None) -> int:
    """Remove the user's authenticator apps: they pair a new one at their next sign-in."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    record(school=school, user=user, action=Action.MFA_RESET, by=by, detail=f"{count} app(s) removed")
    return count


# --- Teaching groups and tutees (the pupils app's models, through the registry) --------------------------


def _pupils_model(name: str):
    """A model of the pupils app (which sits above schoolpl and may not be imported here)."""
    return apps.get_model("pupils", name)


def current_groups(school: School, today: date | None = None) -> QuerySet:
    """The school's teaching groups of this and later academic years."""
    today = today or timezone.localdate()
    return (
        _pupils_model("TeachingGroup")
        .objects.filter(school=school, academic_year__end_date__gte=today)
        .select_related("academic_year")
        .order_by("academic_year__start_date", "year_group", "name")
    )


def groups_taught(school: School, user: User) -> QuerySet:
    return current_groups(school).filter(teacher_links__user=user)


@transaction.atomic
def groups_set(*, school: School, user: User, groups: Iterable, by: User | None) -> tuple[list, list]:
    """Make ``groups`` (of this and later years in ``school``) the ones the user teaches; returns
    (given, taken away). Last years' groups are left as they were (their history)."""
    link_model = _pupils_model("TeachingGroupTeacher")
    wanted = {g.pk: g for g in groups if g.school_id == school.pk}
    current = {g.pk: g for g in groups_taught(school, user)}
    given = [g for pk, g in wanted.items() if pk not in current]
    removed = [g for pk, g in current.items() if pk not in wanted]
    link_model.objects.bulk_create([link_model(group=g, user=user, is_main=True) for g in given])
    link_model.objects.filter(user=user, group__in=[g.pk for g in removed]).delete()
    for g in given:
        record(school=school, user=user, action=Action.GROUP_ASSIGNED, by=by, detail=str(g.name))
    for g in removed:
        record(school=school, user=user, action=Action.GROUP_REMOVED, by=by, detail=str(g.name))
    return given, removed


def on_roll(school: School) -> QuerySet:
    return (
        _pupils_model("Pupil")
        .objects.filter(school=school, archived_at__isnull=True)
        .order_by("year_group", "legal_surname", "legal_forename")
    )


def tutees(school: School, user: User, today: date | None = None) -> QuerySet:
    """The pupils the user is personal tutor of today."""
    today = today or timezone.localdate()
    current = (
        _pupils_model("TutorAssignment")
        .objects.filter(school=school, tutor=user, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    )
    return on_roll(school).filter(pk__in=current.values("pupil_id"))


@transaction.atomic
def tutees_set(*, school: School, user: User, pupils: Iterable, by: User | None) -> tuple[list, list]:
    """Make ``pupils`` the user's tutees from today: new assignments start today, ended ones end yesterday
    (kept, with their history). Returns (given, taken away)."""
    model = _pupils_model("TutorAssignment")
    today = timezone.localdate()
    wanted = {p.pk: p for p in pupils if p.school_id == school.pk}
    current = {p.pk: p for p in tutees(school, user, today)}
    given = [p for pk, p in wanted.items() if pk not in current]
    removed = [p for pk, p in current.items() if pk not in wanted]
    for pupil in given:
        assignment = model(school=school, tutor=user, pupil=pupil, start_date=today)
        changed_by(assignment, by)
        assignment.save()
    ending = model.objects.filter(school=school, tutor=user, pupil__in=[p.pk for p in removed])
    for assignment in ending.filter(Q(end_date__isnull=True) | Q(end_date__gte=today)):
        _end_assignment(assignment, today, by)
    for pupil in given:
        record(school=school, user=user, action=Action.TUTEE_ASSIGNED, by=by, detail=_pupil_name(pupil))
    for pupil in removed:
        record(school=school, user=user, action=Action.TUTEE_REMOVED, by=by, detail=_pupil_name(pupil))
    return given, removed


def _end_assignment(assignment, today: date, by: User | None) -> None:
    """End a tutor assignment yesterday (it is kept, with its history); one made today is undone (its history
    keeps that it was made and by whom)."""
    changed_by(assignment, by)
    if assignment.start_date < today:
        assignment.end_date = today - timedelta(days=1)
        assignment.save()
    else:
        assignment.delete()


def _pupil_name(pupil) -> str:
    return f"{pupil.preferred_forename or pupil.legal_forename} {pupil.preferred_surname or pupil.legal_surname}"
