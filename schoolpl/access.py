"""The one access layer between a request and school data.

``SchoolAccessMiddleware`` works out which school the signed-in user is working in and which roles they
hold there, and puts a ``SchoolAccess`` on ``request.access``. Views declare what they need with
``@school_view(Cap.X, ...)``; querysets scope themselves with ``.visible_to(request.access)``; single
objects are fetched with ``get_object_for`` so that "missing" and "not yours" are the same 404.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from .roles import PORTAL_ROLES, PUPIL_DATA_CAPS, Cap, Role, capabilities_for

if TYPE_CHECKING:
    from .models import School, User

M = TypeVar("M", bound=Model)

SESSION_SCHOOL_KEY = "schoolpl_school_id"
SESSION_LOGIN_AT_KEY = "schoolpl_login_at"
SESSION_MFA_PENDING_KEY = "schoolpl_mfa_pending"


@dataclass(frozen=True)
class SchoolAccess:
    """Who is asking, in which school, with which roles."""

    user: User
    school: School
    roles: frozenset[str]
    schools: tuple[School, ...] = field(default=())  # every school the user belongs to, for the switcher

    @property
    def caps(self) -> frozenset[Cap]:
        return capabilities_for(self.roles)

    def can(self, *caps: Cap) -> bool:
        """True if any of ``caps`` is granted."""
        return bool(self.caps.intersection(caps))

    @property
    def sees_all_pupils(self) -> bool:
        return Cap.VIEW_PUPILS_ALL in self.caps

    @property
    def sees_pupil_names(self) -> bool:
        return bool(self.caps & PUPIL_DATA_CAPS)

    @property
    def aggregates_only(self) -> bool:
        """A SIP (or anyone with no pupil-data role) sees figures, never names."""
        return not self.sees_pupil_names

    @property
    def sees_fsm(self) -> bool:
        """Free school meals and pupil-premium status: one rule for pages, filters, drill-downs, exports and
        the API (DESIGN §4). SENCOs, leaders and admins see it; a SIP only in figures (they never see a
        pupil); a class teacher or tutor only where the school allows it; a pupil or parent account never."""
        if Cap.SEE_FSM in self.caps:
            return True
        return self.sees_pupil_names and self.school.teachers_see_fsm

    @property
    def is_portal_user(self) -> bool:
        """A pupil or parent account: sees only the portal, never staff pages."""
        return bool(self.roles) and self.roles <= PORTAL_ROLES

    @property
    def needs_mfa(self) -> bool:
        return self.school.require_mfa and self.sees_pupil_names

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles)]


if TYPE_CHECKING:

    class VerifiedUser(User):
        """The signed-in user as django-otp's middleware leaves it on the request."""

        def is_verified(self) -> bool: ...

    class SchoolRequest(HttpRequest):
        """A request as this project's middleware leaves it. ``access`` is None only for a user with no
        school (or no user): ``school_view`` answers those before the view runs, so inside a view it is set."""

        access: SchoolAccess
        user: VerifiedUser

else:
    SchoolRequest = HttpRequest


#: The pupil fields ``SchoolAccess.sees_fsm`` governs.
FSM_FIELDS = frozenset({"fsm", "pupil_premium"})


def sees_fsm(access: SchoolAccess | None) -> bool:
    """``access.sees_fsm``, and False for no access at all."""
    return access is not None and access.sees_fsm


def load_access(user: User, school_id: int | None) -> SchoolAccess | None:
    """Build the access for ``user`` working in ``school_id`` (or their first school). One query."""
    from .models import Membership

    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related("school").order_by("school__name")
    )
    if not memberships:
        return None
    schools = tuple({m.school_id: m.school for m in memberships}.values())
    school = next((s for s in schools if s.pk == school_id), schools[0])
    roles = frozenset(m.role for m in memberships if m.school_id == school.pk)
    return SchoolAccess(user=user, school=school, roles=roles, schools=schools)


# Paths a signed-in user may reach before completing multi-factor sign-in.
_MFA_EXEMPT_NAMES = {"logout", "mfa_verify", "mfa_setup", "healthz"}


class SchoolAccessMiddleware:
    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: SchoolRequest):
        request.access = None  # type: ignore[assignment]  # until the user is known (see SchoolRequest)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            login_at = request.session.get(SESSION_LOGIN_AT_KEY)
            if login_at and time.time() - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                return redirect(f"{reverse('login')}?expired=1")
            request.access = load_access(user, request.session.get(SESSION_SCHOOL_KEY))  # type: ignore[assignment]
            gate = self._mfa_gate(request)
            if gate is not None:
                return gate
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            # Pages about children must not be kept by browsers or shared caches.
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response

    @staticmethod
    def _mfa_gate(request: SchoolRequest):
        """Send a user who must (or chose to) use an authenticator app to verify before anything else."""
        access = request.access
        if request.user.is_verified():
            return None
        pending = request.session.get(SESSION_MFA_PENDING_KEY, False)
        if not pending and (access is None or not access.needs_mfa):
            return None
        path = request.path_info
        if path.startswith(settings.STATIC_URL):
            return None
        from django.urls import Resolver404, resolve

        try:
            match = resolve(path)
        except Resolver404:
            return None
        if match.url_name in _MFA_EXEMPT_NAMES:
            return None
        from django_otp import devices_for_user

        has_device = any(True for _ in devices_for_user(request.user, confirmed=True))
        return redirect(reverse("mfa_verify" if has_device else "mfa_setup") + f"?next={path}")


def school_view(*caps: Cap, portal: bool = False) -> Callable:
    """Decorate a view that reads school data.

    Anonymous → redirect to sign in; signed in but no school → 403; lacking every one of ``caps`` → 403.
    With no ``caps`` any member of the school may open it. Pupil and parent (portal) accounts get 403 unless
    ``portal=True``, and portal views then check the account's link to the child. The required capabilities
    are kept on the view for the role × URL matrix test.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: SchoolRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            access = request.access
            if access is None:
                raise PermissionDenied("You are not a member of any school.")
            if access.is_portal_user and not portal:
                raise PermissionDenied("This page is for school staff.")
            if caps and not access.can(*caps):
                raise PermissionDenied("Your role does not give you access to this page.")
            return view(request, *args, **kwargs)

        vars(wrapped).update(required_caps=frozenset(caps), portal=portal, school_view=True)
        return wrapped

    return decorator


def get_object_for(queryset: QuerySet[M], **lookup: object) -> M:
    """Fetch one object from an already-scoped queryset; a 404 alike for missing and not-yours."""
    try:
        return queryset.get(**lookup)
    # django-stubs' plugin gives DoesNotExist to concrete models only, not to the bound of a TypeVar
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:  # type: ignore[attr-defined]
        raise Http404("Not found.") from exc


def scoped_to_school(queryset: QuerySet, access: SchoolAccess, field_name: str = "school") -> QuerySet:
    """Limit ``queryset`` to the access's school. Every school-owned model goes through here or through a
    ``visible_to`` built on it."""
    if access is None:
        return queryset.none()
    return queryset.filter(**{field_name: access.school})


def require(access: SchoolAccess, *caps: Cap) -> None:
    """Raise 403 unless ``access`` holds one of ``caps`` (for checks inside a view, e.g. a write)."""
    if access is None or not access.can(*caps):
        raise PermissionDenied("Your role does not allow this.")


def roles_holding(caps: Iterable[Cap]) -> list[str]:
    caps = set(caps)
    return [role for role in Role.values if caps & capabilities_for([role])]
