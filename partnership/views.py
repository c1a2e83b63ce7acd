"""Views: the tutor's review list and reviews, contacts, the report workflow for staff, and the pupil and
parent portal. Thin: access → form → service → response."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pupils import codes
from pupils.models import Contact, Pupil
from schoolpl.access import get_object_for, require, school_view
from schoolpl.exports import table_response
from schoolpl.models import AssessmentWindow
from schoolpl.roles import Cap
from targets.models import CurricularTarget, ProgressStatus

from . import pdf, selectors, services, wording
from .forms import (
    AcceptForm,
    ContactForm,
    InviteForm,
    PortalSettingsForm,
    PupilCommentForm,
    ReportRunForm,
    ReviewForm,
)
from .models import Activity, PortalLink, ProgressReview, PupilTargetComment, Report, ReportRun

STAFF_PUPILS = (Cap.VIEW_PUPILS_OWN, Cap.VIEW_PUPILS_ALL)


def _year(request) -> int | None:
    value = request.GET.get("year", "")
    try:
        year = int(value)
    except ValueError:
        return None
    return year if year in dict(codes.YEAR_GROUPS) else None


# --- tutor: the review list, a pupil's progress, reviews -------------------------------------------------


@school_view(*STAFF_PUPILS)
def reviews(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    rows = selectors.review_list(request.access, year_group=year)
    fmt = request.GET.get("format")
    if fmt:
        return table_response(
            fmt,
            "Progress reviews due",
            ["Pupil", "Year", "Tutor", "Last review", "State"],
            [
                [r["pupil"].display_name, r["pupil"].year_label, r["tutor"], r["last_review"], r["state_words"]]
                for r in rows
            ],
        )
    counts = {s: sum(1 for r in rows if r["state"] == s) for s in (wording.OVERDUE, wording.DUE, wording.DONE)}
    context = {
        "rows": rows,
        "counts": counts,
        "year": year,
        "years": codes.YEAR_GROUPS,
        "whole_school": request.access.sees_all_pupils,
    }
    return render(request, "partnership/reviews.html", context)


def _pupil_for(request, pk) -> Pupil:
    return get_object_for(Pupil.objects.visible_to(request.access), pk=pk)


@school_view(*STAFF_PUPILS)
def pupil(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's progress across every subject, for their tutor (read-only) and other staff who see them."""
    pupil = _pupil_for(request, pk)
    latest = selectors.latest_judgements(pupil)
    statuses = {
        s.subject_id: s for s in ProgressStatus.objects.filter(pupil=pupil, is_latest=True).select_related("window")
    }
    subjects = [
        {
            "judgement": j,
            "words": wording.grade_in_words(j.grade, j.points, j.subject.scale_code),
            "status": statuses.get(j.subject_id),
            "status_words": wording.status_in_words(
                statuses[j.subject_id].status if j.subject_id in statuses else None
            ),
        }
        for j in sorted(latest.values(), key=lambda j: (j.subject.order, j.subject.name))
    ]
    targets = (
        CurricularTarget.objects.filter(pupil=pupil)
        .exclude(status=CurricularTarget.Status.REPLACED)
        .select_related("subject")
        .prefetch_related(Prefetch("pupil_comments", queryset=PupilTargetComment.objects.order_by("-created_at")))
    )
    context = {
        "pupil": pupil,
        "subjects": subjects,
        "targets": targets,
        "reviews": pupil.progress_reviews.select_related("tutor")[:10],
        "reports": Report.objects.filter(pupil=pupil).select_related("window").order_by("-window__start_date"),
        "contacts": pupil.contacts.all(),
        "may_review": selectors.may_review(request.access, pupil),
        "is_tutor": selectors.is_current_tutor(request.access, pupil),
    }
    return render(request, "partnership/pupil.html", context)


@school_view(*STAFF_PUPILS)
def review_add(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil_for(request, pk)
    if not selectors.may_review(request.access, pupil):
        raise PermissionDenied("Only the pupil's personal tutor records their progress reviews.")
    form = ReviewForm(request.POST or None, pupil=pupil)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_record(
                pupil=pupil,
                tutor=request.user,
                data=form.cleaned_data,
                targets=list(form.cleaned_data["targets_reviewed"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Review with {pupil.display_name} recorded.")
            return redirect("partnership:review", pk=review.pk)
    return render(request, "partnership/review_form.html", {"pupil": pupil, "form": form})


@school_view(*STAFF_PUPILS)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_for(
        selectors.reviews_visible_to(request.access)
        .select_related("pupil", "tutor")
        .prefetch_related("targets_reviewed"),
        pk=pk,
    )
    return render(request, "partnership/review.html", {"review": review, "pupil": review.pupil})


@school_view(Cap.EDIT_INTERVENTIONS)
def referrals(request: HttpRequest) -> HttpResponse:
    """The SENCO's list of pupils referred from progress reviews."""
    open_referrals = (
        ProgressReview.objects.filter(
            school=request.access.school, refer_to_senco=True, referral_closed_at__isnull=True
        )
        .select_related("pupil", "tutor")
        .order_by("-held_on")
    )
    return render(request, "partnership/referrals.html", {"referrals": open_referrals})


@require_POST
@school_view(Cap.EDIT_INTERVENTIONS)
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_for(ProgressReview.objects.filter(school=request.access.school, refer_to_senco=True), pk=pk)
    services.referral_close(review=review)
    messages.success(request, "Referral marked as dealt with.")
    return redirect("partnership:referrals")


# --- contacts and invitations ----------------------------------------------------------------------------


@school_view(*STAFF_PUPILS)
def contacts(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil_for(request, pk)
    can_edit = request.access.can(Cap.MANAGE_PUPILS)
    form = ContactForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        require(request.access, Cap.MANAGE_PUPILS)
        if form.is_valid():
            try:
                services.contact_save(pupil=pupil, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Contact added.")
                return redirect("partnership:contacts", pk=pupil.pk)
    links = PortalLink.objects.filter(pupil=pupil, revoked_at__isnull=True).select_related("user")
    context = {"pupil": pupil, "contacts": pupil.contacts.all(), "form": form, "can_edit": can_edit, "links": links}
    return render(request, "partnership/contacts.html", context)


@school_view(Cap.MANAGE_PUPILS)
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_for(
        Contact.objects.filter(pupil__in=Pupil.objects.visible_to(request.access)).select_related("pupil"), pk=pk
    )
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        services.contact_save(pupil=contact.pupil, contact=contact, data=form.cleaned_data)
        messages.success(request, "Contact saved.")
        return redirect("partnership:contacts", pk=contact.pupil_id)
    return render(request, "partnership/contact_form.html", {"form": form, "pupil": contact.pupil})


@school_view(Cap.MANAGE_PUPILS)
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil_for(request, pk)
    form = InviteForm(request.POST or None, pupil=pupil)
    link = None
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = services.invitation_create(
                pupil=pupil,
                kind=form.cleaned_data["kind"],
                contact=form.cleaned_data.get("contact"),
                email=form.cleaned_data.get("email") or "",
                invited_by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            link = request.build_absolute_uri(reverse("partnership:accept", kwargs={"token": token}))
            if invitation.email:
                send_mail(
                    f"Your invitation from {request.access.school.name}",
                    f"You have been invited to see {pupil.forename}'s targets and reports online.\n\n"
                    f"Open this link within 14 days to choose a username and password:\n{link}\n",
                    None,
                    [invitation.email],
                )
    settings = selectors.portal_enabled(request.access.school)
    context = {"pupil": pupil, "form": form, "link": link, "portal": settings}
    return render(request, "partnership/invite.html", context)


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the invitation link. Makes a pupil or parent account (or adds a child to a parent's account)."""
    invitation = services.invitation_by_token(token)
    if invitation is None:
        raise Http404("This invitation link is not valid or has expired.")
    signed_in = request.user.is_authenticated
    form = AcceptForm(request.POST or None) if not signed_in else None
    if request.method == "POST":
        try:
            if signed_in:
                services.invitation_accept_existing(invitation=invitation, user=request.user)
            elif form.is_valid():
                user = services.invitation_accept(
                    invitation=invitation,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                raise ValidationError("")
        except ValidationError as exc:
            if form is not None:
                for message in exc.messages:
                    if message:
                        form.add_error(None, message)
            else:
                messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your account is ready.")
            return redirect("partnership:portal")
    return render(request, "partnership/accept.html", {"invitation": invitation, "form": form})


@school_view(Cap.MANAGE_SCHOOL)
def portal_settings(request: HttpRequest) -> HttpResponse:
    settings = services.portal_settings_for(request.access.school)
    form = PortalSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        services.portal_settings_update(school=request.access.school, **form.cleaned_data)
        messages.success(request, "Portal settings saved.")
        return redirect("partnership:portal_settings")
    return render(request, "partnership/portal_settings.html", {"form": form})


# --- reports: generate, review, release, send ---------------------------------------------------------------


@school_view(Cap.VIEW_PUPILS_ALL)
def reports(request: HttpRequest) -> HttpResponse:
    school = request.access.school
    form = ReportRunForm(request.POST or None, school=school)
    if request.method == "POST":
        require(request.access, Cap.EDIT_TARGETS_ALL)
        if form.is_valid():
            run = services.report_run_start(
                school=school,
                window=form.cleaned_data["window"],
                year_group=form.cleaned_data["year_group"],
                started_by=request.user,
            )
            return redirect("partnership:report_run", pk=run.pk)
    context = {
        "form": form,
        "sets": selectors.report_sets(school),
        "runs": ReportRun.objects.filter(school=school).select_related("window")[:5],
        "can_edit": request.access.can(Cap.EDIT_TARGETS_ALL),
    }
    return render(request, "partnership/reports.html", context)


@school_view(Cap.VIEW_PUPILS_ALL)
def report_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_for(ReportRun.objects.filter(school=request.access.school).select_related("window"), pk=pk)
    template = "partnership/report_run.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"run": run})


def _report_set(request, window_pk: int, year: int):
    window = get_object_for(AssessmentWindow.objects.filter(school=request.access.school), pk=window_pk)
    if year not in dict(codes.YEAR_GROUPS):
        raise Http404
    reports = Report.objects.filter(school=request.access.school, window=window, year_group=year)
    return window, reports


@school_view(Cap.VIEW_PUPILS_ALL)
def report_set(request: HttpRequest, window_pk: int, year: int) -> HttpResponse:
    window, reports = _report_set(request, window_pk, year)
    reports = reports.select_related("pupil").prefetch_related("sends")
    fmt = request.GET.get("format")
    if fmt:
        return table_response(
            fmt,
            f"Reports {window.name} {codes.year_group_label(year)}",
            ["Pupil", "Status", "On track", "Released", "Read", "Sent"],
            [
                [
                    r.pupil.display_name,
                    r.get_status_display(),
                    "Yes" if r.content.get("on_track") else "No",
                    r.released_at,
                    r.first_read_at,
                    len(r.sends.all()),
                ]
                for r in reports
            ],
        )
    context = {
        "window": window,
        "year": year,
        "year_label": codes.year_group_label(year),
        "reports": reports,
        "drafts": sum(1 for r in reports if not r.is_released),
        "can_edit": request.access.can(Cap.EDIT_TARGETS_ALL),
    }
    return render(request, "partnership/report_set.html", context)


@require_POST
@school_view(Cap.EDIT_TARGETS_ALL)
def report_release(request: HttpRequest, window_pk: int, year: int) -> HttpResponse:
    window, _ = _report_set(request, window_pk, year)
    count = services.reports_release(
        school=request.access.school, window=window, year_group=year, released_by=request.user
    )
    messages.success(request, f"{count} report(s) released. Parents can now read them; send them when ready.")
    return redirect("partnership:report_set", window_pk=window.pk, year=year)


@require_POST
@school_view(Cap.EDIT_TARGETS_ALL)
def report_send(request: HttpRequest, window_pk: int, year: int) -> HttpResponse:
    window, reports = _report_set(request, window_pk, year)
    sent = 0
    for report in (
        reports.filter(status=Report.Status.RELEASED).select_related("pupil").prefetch_related("pupil__contacts")
    ):
        link = request.build_absolute_uri(reverse("partnership:portal_report", kwargs={"pk": report.pk}))
        sent += services.report_email(report=report, link=link, sent_by=request.user)
    messages.success(request, f"{sent} email(s) sent to parents and carers. Reports not yet released were not sent.")
    return redirect("partnership:report_set", window_pk=window.pk, year=year)


def _staff_report(request, pk) -> Report:
    return get_object_for(selectors.reports_visible_to(request.access).select_related("pupil", "window"), pk=pk)


@school_view(*STAFF_PUPILS)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _staff_report(request, pk)
    context = {"report": report, "c": report.content, "staff": True, **_chart_context(report)}
    context["sends"] = report.sends.select_related("contact", "sent_by")
    context["can_edit"] = request.access.can(Cap.EDIT_TARGETS_ALL)
    return render(request, "partnership/report.html", context)


@school_view(*STAFF_PUPILS)
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf_response(_staff_report(request, pk))


@require_POST
@school_view(Cap.EDIT_TARGETS_ALL)
def report_printed(request: HttpRequest, pk: int) -> HttpResponse:
    report = _staff_report(request, pk)
    try:
        services.report_mark_printed(report=report, sent_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Logged as printed for the family.")
    return redirect("partnership:report", pk=report.pk)


def _pdf_response(report: Report) -> HttpResponse:
    response = HttpResponse(pdf.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="report-{report.pk}.pdf"'
    return response


def _chart_context(report: Report) -> dict:
    chart = report.content.get("chart", {})
    config = {
        "type": "line",
        "data": {
            "labels": chart.get("labels", []),
            "datasets": [{"label": s["name"], "data": s["points"], "spanGaps": True} for s in chart.get("series", [])],
        },
        "options": {
            "scales": {"y": {"title": {"display": True, "text": "Points (one level = 6 points)"}}},
            "plugins": {"legend": {"position": "bottom"}},
        },
    }
    return {"chart": chart, "chart_config": config}


# --- the portal: pupils and parents ---------------------------------------------------------------------------


def _portal_only(request) -> None:
    if not request.access.is_portal_user:
        raise PermissionDenied("The portal is for pupils and parents; staff use the pupil pages.")


@school_view(portal=True)
def portal(request: HttpRequest) -> HttpResponse:
    """The portal's landing page: a pupil's own page, or a parent's list of their children."""
    _portal_only(request)
    pupils = list(selectors.portal_pupils(request.access))
    kind = selectors.portal_kind(request.access)
    if kind == PortalLink.Kind.PUPIL and len(pupils) == 1:
        return portal_pupil_page(request, pupils[0])
    settings = selectors.portal_enabled(request.access.school)
    return render(
        request,
        "partnership/portal.html",
        {"pupils": pupils, "enabled": settings.enabled_for(kind), "kind": kind},
    )


@school_view(portal=True)
def portal_pupil(request: HttpRequest, pk: int) -> HttpResponse:
    _portal_only(request)
    return portal_pupil_page(request, selectors.get_portal_pupil(request.access, pk))


def portal_pupil_page(request: HttpRequest, pupil: Pupil) -> HttpResponse:
    latest = selectors.latest_judgements(pupil)
    judgements = [
        {"subject": j.subject.name, "words": wording.grade_in_words(j.grade, j.points, j.subject.scale_code),
         "window": j.window.name}
        for j in sorted(latest.values(), key=lambda j: (j.subject.order, j.subject.name))
    ]  # fmt: skip
    kind = selectors.portal_kind(request.access)
    targets = CurricularTarget.objects.filter(pupil=pupil, status=CurricularTarget.Status.ACTIVE).select_related(
        "subject"
    )
    targets = targets.prefetch_related("pupil_comments")
    context = {
        "pupil": pupil,
        "judgements": judgements,
        "targets": targets,
        "reports": selectors.portal_reports(request.access).filter(pupil=pupil).order_by("-window__start_date"),
        "is_pupil": kind == PortalLink.Kind.PUPIL,
        "comment_form": PupilCommentForm(),
        "activities": Activity.objects.filter(
            members__pupil=pupil, members__left_on__isnull=True, archived_at__isnull=True,
            end_date__gte=timezone.localdate(),
        ).order_by("start_date", "name"),
        "surveys": selectors.open_surveys(pupil, kind),
    }  # fmt: skip
    return render(request, "partnership/portal_pupil.html", context)


@school_view(portal=True)
def portal_report(request: HttpRequest, pk: int) -> HttpResponse:
    _portal_only(request)
    report = selectors.get_portal_report(request.access, pk)
    services.report_mark_read(report=report)
    context = {"report": report, "c": report.content, "staff": False, **_chart_context(report)}
    return render(request, "partnership/report.html", context)


@school_view(portal=True)
def portal_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    _portal_only(request)
    return _pdf_response(selectors.get_portal_report(request.access, pk))


@require_POST
@school_view(portal=True)
def portal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil adds their own comment on one of their targets."""
    _portal_only(request)
    target = get_object_for(
        CurricularTarget.objects.filter(pupil__in=selectors.portal_pupils(request.access)).select_related("pupil"),
        pk=pk,
    )
    if selectors.portal_kind(request.access) != PortalLink.Kind.PUPIL:
        raise PermissionDenied("Only the pupil comments on their own targets.")
    form = PupilCommentForm(request.POST)
    if form.is_valid():
        services.pupil_comment_add(
            target=target, pupil=target.pupil, author=request.user, text=form.cleaned_data["text"]
        )
        messages.success(request, "Your comment was added.")
    else:
        messages.error(request, "Write your comment first.")
    return redirect("partnership:portal_pupil", pk=target.pupil_id)
