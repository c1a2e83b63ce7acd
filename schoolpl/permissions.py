"""API permission: the same access layer as the pages (see ``schoolpl.access``)."""

from __future__ import annotations

from rest_framework import permissions

from .roles import Cap


class HasSchoolAccess(permissions.BasePermission):
    """Signed in, a member of a school, and holding one of the view's ``required_caps`` (reads) or
    ``write_caps`` (writes)."""

    message = "Your role does not give you access to this."

    def has_permission(self, request, view) -> bool:
        access = getattr(request._request, "access", None)
        if not request.user.is_authenticated or access is None:
            return False
        if request.method in permissions.SAFE_METHODS:
            caps: frozenset[Cap] = frozenset(getattr(view, "required_caps", ()))
        else:
            caps = frozenset(getattr(view, "write_caps", ()))
            if not caps:
                return False
        return not caps or access.can(*caps)
