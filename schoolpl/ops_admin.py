"""The operators' admin site (``/ops-admin/``), signed in through the app's own sign-in and second factor.

Django's admin has its own login form, which would be a way in with a password alone (issue 20, finding 2).
Here the admin's login page hands over to the app's sign-in, and only a session that has passed the second
factor counts as an operator's: the admin sees every school.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


class OpsAdminSite(admin.AdminSite):
    site_header = "schoolpl operators"
    site_title = "schoolpl operators"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        """Never authenticates: sends the operator to the app's sign-in, or on to the second factor."""
        index = reverse("admin:index", current_app=self.name)
        target = request.GET.get(REDIRECT_FIELD_NAME) or index
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = index
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login  # not at import: this module is an app config

            return redirect_to_login(target)
        if not request.user.is_verified():
            from django_otp import devices_for_user

            has_device = any(True for _ in devices_for_user(request.user, confirmed=True))
            step = reverse("mfa_verify" if has_device else "mfa_setup")
            return redirect(f"{step}?{urlencode({REDIRECT_FIELD_NAME: target})}")
        raise PermissionDenied("This account is not a platform operator's.")


class OpsAdminConfig(AdminConfig):
    default_site = "schoolpl.ops_admin.OpsAdminSite"
