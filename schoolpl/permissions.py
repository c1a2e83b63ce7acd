"""API permission: the same access layer as the pages (see ``schoolpl.access``)."""

from __future__ import annotations

from rest_framework import permissions

from .roles import Cap


class IsSchoolStaff(permissions.BasePermission):
    """Signed in, a member of a school, and not a pupil or parent (portal) account: the API and its schema are
    for staff, as ``school_view`` keeps the staff pages (portal accounts use the portal pages only)."""

    message = "This is for school staff."

    def has_permission(self, request, view) -> bool:
        access = getattr(request._request, "access", None)
        return request.user.is_authenticated and access is not None and not access.is_portal_user


class HasSchoolAccess(IsSchoolStaff):
    """School staff (above) holding one of the view's ``required_caps`` (reads) or ``write_caps`` (writes)."""

    message = "Your role does not give you access to this."

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        access = request._request.access
        if request.method not in view.allowed_methods:
            return True  # staff asking for a method the view lacks get DRF's 405, not a 403
        if request.method in permissions.SAFE_METHODS:
            caps: frozenset[Cap] = frozenset(getattr(view, "required_caps", ()))
        else:
            caps = frozenset(getattr(view, "write_caps", ()))
            if not caps:
                return False
        return not caps or access.can(*caps)
