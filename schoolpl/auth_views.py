"""Getting back in: password reset by e-mail, and one-time backup codes for a lost authenticator app.

Password reset is Django's own four views. The answer is the same whether or not the address has an account
(Django sends mail only to active users with a usable password, and says nothing either way); a link lasts
``PASSWORD_RESET_TIMEOUT`` and works once (its token is made from the password it replaces); a reset never
signs the user in, so the next sign-in still ends at the second factor. Requests are throttled per client
address and per e-mail address with counters in the cache. A cache outage (Redis down: the cache is set to
ignore errors) makes the counters read as zero: the page keeps working, unthrottled, and the outage is logged.

Backup codes are django-otp's static tokens: ten at set-up, shown once, each accepted once by the verify page
(``django_otp.match_token`` tries every device the user has). Regenerating them needs a verified session and
replaces every unused code.
"""

from __future__ import annotations

import logging

from axes.helpers import get_client_ip_address
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as django_auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .access import SchoolRequest
from .models import User

log = logging.getLogger("schoolpl.auth")

BACKUP_CODE_COUNT = 10
BACKUP_DEVICE_NAME = "Backup codes"
# Codes just made, kept in the session only until the page that shows them once has read them.
SESSION_NEW_CODES_KEY = "schoolpl_new_backup_codes"
_CODE_ALPHABET = set("abcdefghijklmnopqrstuvwxyz234567")


# --- Throttling -------------------------------------------------------------------------------------------


def _count(key: str) -> int:
    """Add one to the counter ``key`` (started for the throttle window) and return it; 0 if the cache is down."""
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    try:
        cache.add(key, 0, window)
        value = cache.incr(key)
    except ValueError:  # the counter expired between add and incr: start again
        cache.set(key, 1, window)
        value = 1
    if value is None:  # django-redis with IGNORE_EXCEPTIONS: Redis is unreachable
        log.warning("password reset throttle not counted: the cache is unavailable")
        return 0
    return int(value)


def client_address(request: HttpRequest) -> str:
    """The address lock-outs are keyed on (the same rules as django-axes: ``TRUSTED_PROXY_COUNT``)."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "") or "unknown"


def reset_throttle_key(kind: str, value: str) -> str:
    return f"password-reset:{kind}:{value.strip().lower()}"


def link_lifetime() -> str:
    """``PASSWORD_RESET_TIMEOUT`` in words: "2 hours", "90 minutes"."""
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


# --- Password reset ---------------------------------------------------------------------------------------


class PasswordResetView(django_auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "link_lifetime": link_lifetime()}

    def post(self, request, *args, **kwargs):
        if _count(reset_throttle_key("ip", client_address(request))) > settings.PASSWORD_RESET_LIMIT_PER_IP:
            log.warning("password reset refused: too many requests from %s", client_address(request))
            return render(request, "registration/password_reset_throttled.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if _count(reset_throttle_key("email", email)) > settings.PASSWORD_RESET_LIMIT_PER_EMAIL:
            # The same answer as ever: nothing says whether the address has an account, or was throttled.
            log.warning("password reset e-mail not sent: too many requests for one address")
            return redirect(self.get_success_url())
        self.extra_email_context = {"link_lifetime": link_lifetime()}
        return super().form_valid(form)


class PasswordResetDoneView(django_auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(django_auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    # Never signed in by a reset: the user signs in with the new password, then meets the second factor.
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        log.info("password reset completed for user %s", form.user.pk)
        return response


class PasswordResetCompleteView(django_auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# --- Backup codes -----------------------------------------------------------------------------------------


def backup_codes_generate(*, user: User) -> list[str]:
    """Replace the user's backup codes with ``BACKUP_CODE_COUNT`` new ones; return them (never shown again)."""
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    with transaction.atomic():
        # The same device is kept (its tokens replaced): a session verified with a backup code names the device,
        # and would stop being verified if it were deleted.
        devices = StaticDevice.objects.select_for_update().filter(user=user).order_by("pk")
        device = devices.first() or StaticDevice(user=user, name=BACKUP_DEVICE_NAME)
        device.confirmed = True
        device.throttle_reset(commit=False)
        device.save()
        devices.exclude(pk=device.pk).delete()
        StaticToken.objects.filter(device=device).delete()
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    log.info("backup codes generated for user %s", user.pk)
    return codes


def backup_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def issue_first_backup_codes(request: HttpRequest, user: User) -> bool:
    """After an authenticator app is paired: give a user with no backup codes left a fresh set, kept in the
    session for the page that shows them once. True if it did."""
    if backup_codes_left(user=user):
        return False
    request.session[SESSION_NEW_CODES_KEY] = backup_codes_generate(user=user)
    return True


def note_backup_code_use(request: HttpRequest, device: Device) -> None:
    """Record a sign-in completed with a backup code, and tell the user how many are left."""
    if not isinstance(device, StaticDevice):
        return
    left = device.token_set.count()
    log.warning("user %s completed sign-in with a backup code; %s left", device.user_id, left)
    advice = " Make a new set now." if left <= 3 else ""
    messages.warning(
        request,
        f"You signed in with a backup code. It will not work again. You have {left} backup "
        f"code{'s' if left != 1 else ''} left.{advice}",
    )


def match_second_factor(user: User | AnonymousUser, token: str) -> Device | None:
    """The device that accepts ``token`` (cleaned by ``VerifyForm``): six digits are tried on the authenticator
    app only, an eight-character code on the backup codes only. Unlike ``django_otp.match_token``, a mistyped
    app code never counts as a failed backup code, so the backup codes' own throttling (django-otp doubles the
    wait after each failure) is not built up by everyday typos, to lock them just when the phone is lost."""
    model: type[Device] = TOTPDevice if len(token) == 6 else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token):
                return device
    return None


def format_code(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


class VerifyForm(forms.Form):
    """The second factor: a six-digit code from the app, or a backup code (spaces and dashes ignored)."""

    token = forms.CharField(
        label="Six-digit code from your authenticator app, or a backup code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Verify"))

    def clean_token(self) -> str:
        value = "".join(self.cleaned_data["token"].split()).replace("-", "").lower()
        if len(value) == 6 and value.isdigit():
            return value
        if len(value) == 8 and set(value) <= _CODE_ALPHABET:
            return value
        raise forms.ValidationError("Type the six digits your app shows, or one of your eight-character backup codes.")


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def mfa_backup_codes(request: SchoolRequest) -> HttpResponse:
    """How many backup codes are left, new codes shown once, and a button to make a new set (which needs the
    second factor in this session, like every change to how one signs in)."""
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("mfa_setup")
    if not request.user.is_verified():
        return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': request.path})}")
    if request.method == "POST":
        request.session[SESSION_NEW_CODES_KEY] = backup_codes_generate(user=request.user)
        messages.success(request, "New backup codes are ready. The old ones no longer work.")
        return redirect("mfa_backup_codes")
    codes = request.session.pop(SESSION_NEW_CODES_KEY, None)
    context = {
        "codes": [format_code(code) for code in codes or []],
        "left": backup_codes_left(user=request.user),
        "next": _safe_next(request),
    }
    return render(request, "registration/mfa_backup_codes.html", context)
