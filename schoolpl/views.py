from __future__ import annotations

import base64
import io
import time
from functools import cache

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import auth_views as recovery
from . import services
from .access import (
    SESSION_LOGIN_AT_KEY,
    SESSION_MFA_PENDING_KEY,
    SESSION_SCHOOL_KEY,
    SchoolRequest,
    get_object_for,
    school_view,
)
from .discovery import app_modules
from .forms import (
    AcademicYearForm,
    AssessmentWindowForm,
    MfaSetupForm,
    SchoolSettingsForm,
    SignInForm,
)
from .models import AcademicYear, AssessmentWindow
from .nav import home_sections, panels
from .roles import Cap

# The secret of an app being paired, kept here until a code from the app proves it (a GET writes no device).
SESSION_MFA_NEW_KEY = "schoolpl_mfa_new_key"


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[SESSION_LOGIN_AT_KEY] = time.time()
        if services.user_has_mfa_device(user=form.get_user()):
            self.request.session[SESSION_MFA_PENDING_KEY] = True
        return response


class SignOutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
def mfa_setup(request: SchoolRequest) -> HttpResponse:
    """Pair an authenticator app: show a QR code for a new secret, pair it once a code from the app proves it.

    The secret waits in the session, so opening the page writes no device. A user who already has an app must
    have entered its code in this session, and replacing it takes a code from it too: a password alone never
    adds an authenticator (DESIGN §4). A lost phone is an operator's reset in the admin, which is logged.
    """
    replacing = services.user_has_mfa_device(user=request.user)
    if replacing and not request.user.is_verified():
        return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': _safe_next(request, reverse('home'))})}")
    key = request.session.get(SESSION_MFA_NEW_KEY) or random_hex(20)
    request.session[SESSION_MFA_NEW_KEY] = key
    form = MfaSetupForm(request.POST or None, replacing=replacing)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_device_pair(
                user=request.user,
                key=key,
                token=form.cleaned_data["token"],
                current_token=form.cleaned_data.get("current_token"),
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            request.session.pop(SESSION_MFA_NEW_KEY, None)
            django_otp.login(request, device)
            request.session.pop(SESSION_MFA_PENDING_KEY, None)
            messages.success(
                request, "Your authenticator app is set up. You will be asked for a code when you sign in."
            )
            if recovery.issue_first_backup_codes(request, request.user):  # shown once, on the next page
                return redirect(f"{reverse('mfa_backup_codes')}?{urlencode({'next': _safe_next(request)})}")
            return redirect(_safe_next(request))
    # An unsaved device, only to draw the QR code for the secret in the session.
    config_url = TOTPDevice(user=request.user, key=key).config_url
    image = qrcode.make(config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    qr_data_uri = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
    secret = base64.b32encode(bytes.fromhex(key)).decode().rstrip("=")
    context = {"form": form, "qr": qr_data_uri, "secret": secret, "replacing": replacing}
    return render(request, "registration/mfa_setup.html", context)


@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    form = recovery.VerifyForm(request.POST or None)  # an app's code, or a backup code
    if request.method == "POST" and form.is_valid():
        device = recovery.match_second_factor(request.user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            request.session.pop(SESSION_MFA_PENDING_KEY, None)
            recovery.note_backup_code_use(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", "That code is not right, or has expired. Try the newest code.")
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if not has_device:
        return redirect("mfa_setup")
    return render(request, "registration/mfa_verify.html", {"form": form})


@cache
def portal_home() -> str | None:
    """The URL name where pupil and parent accounts land: ``PORTAL_HOME`` in the ``nav.py`` of the app that
    provides the portal, so this lowest layer never names it."""
    return next((m.PORTAL_HOME for m in app_modules("nav") if getattr(m, "PORTAL_HOME", None)), None)


@school_view(portal=True)
def home(request: SchoolRequest) -> HttpResponse:
    if request.access.is_portal_user and (landing := portal_home()):
        return redirect(landing)  # pupils and parents have their own landing page
    context = {"sections": home_sections(request), "home_panels": panels("home_panels", request)}
    return render(request, "schoolpl/home.html", context)


@require_POST
@school_view()
def switch_school(request: SchoolRequest) -> HttpResponse:
    wanted = request.POST.get("school", "")
    school = next((s for s in request.access.schools if str(s.pk) == wanted), None)
    if school is None:
        messages.error(request, "You are not a member of that school.")
    else:
        request.session[SESSION_SCHOOL_KEY] = school.pk
        messages.success(request, f"You are now working in {school.name}.")
    return redirect("home")


@school_view(Cap.MANAGE_SCHOOL)
def school_settings(request: SchoolRequest) -> HttpResponse:
    form = SchoolSettingsForm(request.POST or None, instance=request.access.school)
    if request.method == "POST" and form.is_valid():
        services.school_update(school=request.access.school, by=request.user, **form.cleaned_data)
        messages.success(request, "School settings saved.")
        return redirect("school_settings")
    return render(request, "schoolpl/school_settings.html", {"form": form})


@school_view(Cap.MANAGE_SCHOOL)
def calendar(request: SchoolRequest) -> HttpResponse:
    school = request.access.school
    year_form = AcademicYearForm(prefix="year")
    window_form = AssessmentWindowForm(prefix="window", school=school)
    if request.method == "POST":
        if "add_year" in request.POST:
            year_form = AcademicYearForm(request.POST, prefix="year")
            if year_form.is_valid():
                services.academic_year_create(school=school, **year_form.cleaned_data)
                messages.success(request, "Academic year added.")
                return redirect("calendar")
        elif "add_window" in request.POST:
            window_form = AssessmentWindowForm(request.POST, prefix="window", school=school)
            if window_form.is_valid():
                services.assessment_window_create(school=school, **window_form.cleaned_data)
                messages.success(request, "Assessment window added.")
                return redirect("calendar")
    years = AcademicYear.objects.filter(school=school).prefetch_related("windows").order_by("-start_date")
    return render(
        request,
        "schoolpl/calendar.html",
        {"years": years, "year_form": year_form, "window_form": window_form},
    )


@require_POST
@school_view(Cap.MANAGE_SCHOOL)
def window_toggle(request: SchoolRequest, pk: int) -> HttpResponse:
    window = get_object_for(AssessmentWindow.objects.filter(school=request.access.school), pk=pk)
    services.assessment_window_set_open(window=window, is_open=not window.is_open)
    messages.success(request, f"{window.name} is now {'open' if window.is_open else 'closed'} for judgements.")
    return redirect("calendar")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the container health check: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- Background tasks that could not be sent (the outbox's failed rows), with Retry ---------------------


def _outbox_page(request: HttpRequest, *, school) -> HttpResponse:
    """``school`` None: an operator's view of every failed row, including those that belong to no school."""
    from django.core.exceptions import ValidationError

    from . import outbox as outbox_service

    rows = outbox_service.failed_for(school)
    if request.method == "POST":
        message = get_object_for(rows, pk=request.POST.get("message"))
        try:
            outbox_service.outbox_retry(message=message, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"“{outbox_service.task_label(message.task_name)}” will be tried again.")
        return redirect("outbox")
    failed = list(rows.order_by("created_at")[:200])
    for row in failed:
        row.label = outbox_service.task_label(row.task_name)
    waiting = outbox_service.pending()
    if school is not None:
        waiting = waiting.filter(kwargs__school_id=school.pk)
    context = {
        "failed": failed,
        "waiting": waiting.count(),
        "operator": school is None,
        "max_attempts": outbox_service.MAX_ATTEMPTS,
    }
    return render(request, "schoolpl/outbox.html", context)


@school_view(Cap.MANAGE_SCHOOL)
def _school_outbox(request: SchoolRequest) -> HttpResponse:
    return _outbox_page(request, school=request.access.school)


def outbox(request: HttpRequest) -> HttpResponse:
    """Failed background tasks with a Retry button: a school admin's own school's; an operator's, all."""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if request.user.is_authenticated and request.user.is_staff:
        return _outbox_page(request, school=None)
    return _school_outbox(request)


# for the role × URL matrix, as school_view sets them
vars(outbox).update(required_caps=_school_outbox.required_caps, portal=False, school_view=True)
