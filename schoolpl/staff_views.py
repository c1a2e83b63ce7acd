"""The staff pages of a school admin: the staff list (filtered, exported), inviting, one member of staff's
roles, teaching groups and tutees, leavers and multi-factor resets, the MIS staff import, and the page where
an invited member of staff sets their password.

Every page needs ``Cap.MANAGE_STAFF``; a member of staff is found only among the school's own staff (another
school's is a 404). Writes are in ``schoolpl.staff`` and each is recorded in the audit.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from . import staff, staff_import, uploads
from .access import SchoolRequest, get_object_for, school_view
from .exports import table_response
from .history import show
from .models import User
from .roles import Cap
from .staff_forms import GroupsForm, InviteForm, RolesForm, StaffFilterForm, StaffImportForm, TuteesForm

IMPORT_SESSION_KEY = "schoolpl_staff_import_upload"
EXPORT_HEADERS = ["Surname", "First name", "Email", "Roles", "Active", "Last sign-in", "Authenticator app paired"]


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@school_view(Cap.MANAGE_STAFF)
def staff_list(request: SchoolRequest) -> HttpResponse:
    """The school's staff, filtered by name, role and status; CSV/XLSX export of the same rows."""
    form = StaffFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    members = staff.staff_list(
        request.access.school,
        search=filters.get("q", ""),
        role=filters.get("role", ""),
        status=filters.get("status", ""),
    )
    fmt = request.GET.get("export")
    if fmt:
        rows = (
            [
                m.user.last_name,
                m.user.first_name,
                m.user.email,
                m.role_labels,
                "yes" if m.active else "no",
                show(m.user.last_login) if m.user.last_login else "never",
                "yes" if m.mfa else "no",
            ]
            for m in members
        )
        return table_response(fmt, "Staff", EXPORT_HEADERS, rows)
    query = urlencode([(k, str(v)) for k, v in request.GET.items() if k != "export" and v])
    return render(request, "schoolpl/staff/list.html", {"form": form, "members": members, "query": query})


@school_view(Cap.MANAGE_STAFF)
def staff_invite(request: SchoolRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, created = staff.staff_invite(
                school=request.access.school, by=request.user, base_url=_base_url(request), **form.cleaned_data
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            if created:
                messages.success(
                    request,
                    f"{user.display_name} is invited: an email with a link to set a password is on its way to"
                    f" {user.email}.",
                )
            else:
                messages.success(request, f"{user.display_name} already has an account: their roles here are saved.")
            return redirect("staff_detail", pk=user.pk)
    return render(request, "schoolpl/staff/invite.html", {"form": form})


def _member_or_404(request: SchoolRequest, pk: int) -> User:
    return get_object_for(staff.staff_users(request.access.school), pk=pk)


def _act(request: SchoolRequest, user: User) -> str | None:
    """Carry out the POSTed ``action`` on ``user``; the message for the admin, or None (form errors).

    Complexity: one branch per action of the page, each a single call."""
    school, by, action = request.access.school, request.user, request.POST.get("action")
    if action == "roles":
        form = RolesForm(request.POST)
        if not form.is_valid():
            return None
        given, removed = staff.roles_set(school=school, user=user, roles=form.cleaned_data["roles"], by=by)
        return _summary("role", [staff.role_label(r) for r in given], [staff.role_label(r) for r in removed])
    if action == "groups":
        groups_form = GroupsForm(request.POST, queryset=staff.current_groups(school))
        if not groups_form.is_valid():
            return None
        taught = staff.groups_set(school=school, user=user, groups=groups_form.cleaned_data["groups"], by=by)
        return _summary("teaching group", [g.name for g in taught[0]], [g.name for g in taught[1]])
    if action == "tutees":
        tutees_form = TuteesForm(request.POST, queryset=staff.on_roll(school))
        if not tutees_form.is_valid():
            return None
        tutored = staff.tutees_set(school=school, user=user, pupils=tutees_form.cleaned_data["pupils"], by=by)
        return f"Tutees saved: {len(tutored[0])} given, {len(tutored[1])} taken away."
    if action == "deactivate":
        staff.staff_deactivate(school=school, user=user, by=by)
        return f"{user.display_name} is deactivated here. Their records and history are kept."
    if action == "reactivate":
        staff.staff_reactivate(school=school, user=user, by=by)
        return f"{user.display_name} is active again."
    if action == "mfa_reset":
        staff.mfa_reset(school=school, user=user, by=by)
        return f"{user.display_name}'s authenticator app is reset: they will pair a new one when they next sign in."
    if action == "resend":
        staff.invitation_resend(school=school, user=user, by=by, base_url=_base_url(request))
        return f"The invitation is sent again to {user.email}."
    return None


def _summary(what: str, given: list[str], removed: list[str]) -> str:
    if not given and not removed:
        return "Nothing changed."
    parts = []
    if given:
        parts.append(f"given {', '.join(given)}")
    if removed:
        parts.append(f"taken away {', '.join(removed)}")
    return f"{what.capitalize()}s saved: " + "; ".join(parts) + "."


@school_view(Cap.MANAGE_STAFF)
def staff_detail(request: SchoolRequest, pk: int) -> HttpResponse:
    """One member of staff: roles, teaching groups, tutees, leaving, multi-factor reset, and their audit."""
    school = request.access.school
    user = _member_or_404(request, pk)
    if request.method == "POST":
        try:
            message = _act(request, user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if message is None:
                messages.error(request, "That could not be saved: check the form and try again.")
            else:
                messages.success(request, message)
        return redirect("staff_detail", pk=user.pk)
    member = staff.staff_member(school, user)
    groups = staff.current_groups(school)
    context = {
        "member": member,
        "person": user,
        "roles_form": RolesForm(initial={"roles": member.roles}),
        "groups_form": GroupsForm(queryset=groups, initial={"groups": list(staff.groups_taught(school, user))}),
        "tutees_form": TuteesForm(queryset=staff.on_roll(school), initial={"pupils": list(staff.tutees(school, user))}),
        "changes": staff.audit_rows(school).filter(user=user)[:50],
        "invited": not user.has_usable_password(),
        "is_self": user.pk == request.user.pk,
    }
    return render(request, "schoolpl/staff/detail.html", context)


@school_view(Cap.MANAGE_STAFF)
def staff_import_page(request: SchoolRequest) -> HttpResponse:
    """Upload → preview (every row, every problem by row and column) → commit all or nothing, or cancel."""
    school = request.access.school
    context: dict = {"upload_form": StaffImportForm()}
    kept_id = request.session.get(IMPORT_SESSION_KEY)
    if request.method != "POST" or request.POST.get("action") == "cancel":
        if kept_id:
            uploads.discard(request.session.pop(IMPORT_SESSION_KEY), user=request.user, school=school)
            if request.method == "POST":
                messages.info(request, "The import is cancelled: nothing was imported.")
        return render(request, "schoolpl/staff/import.html", context)
    if request.POST.get("action") == "commit":
        kept = uploads.load(kept_id, user=request.user, school=school)
        if kept is None:
            messages.error(request, "The uploaded file has expired. Please upload it again.")
            return redirect("staff_import")
        result = staff_import.commit(school=school, data=kept.data, by=request.user, base_url=_base_url(request))
        if not result.errors:
            uploads.discard(request.session.pop(IMPORT_SESSION_KEY), user=request.user, school=school)
            messages.success(
                request, f"{len(result.rows)} member{'s' if len(result.rows) != 1 else ''} of staff imported."
            )
            return redirect("staff_list")
        context.update(result=result, file_name=kept.name)
        return render(request, "schoolpl/staff/import.html", context)
    form = StaffImportForm(request.POST, request.FILES)
    context["upload_form"] = form
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(staff_import.MAX_BYTES + 1)
        if kept_id:
            uploads.discard(kept_id, user=request.user, school=school)
        request.session[IMPORT_SESSION_KEY] = uploads.store(
            user=request.user, school=school, name=upload.name, data=data
        )
        context.update(result=staff_import.check(data), file_name=upload.name)
    return render(request, "schoolpl/staff/import.html", context)


def _invited_user(uidb64: str, token: str) -> User | None:
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def staff_set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The invitation link: set a password once, then sign in as usual (and pair an authenticator app where
    the school asks for one). A used or expired link says so and does nothing."""
    user = _invited_user(uidb64, token)
    if user is None or not user.is_active:
        return render(request, "registration/staff_invitation_invalid.html")
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your password is set. Sign in with your email address and your new password.")
        return redirect("login")
    return render(request, "registration/staff_invitation.html", {"form": form, "person": user})
