"""The audit log, a pupil's subject access export, and the retention of leavers' records: pages for senior
leaders and admins (the whole-school roles), never a class teacher, a tutor, the SENCO or a SIP."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import audit, data_rights
from .access import SchoolRequest, get_object_for, school_view
from .exports import table_response
from .models import User
from .roles import Cap

# Senior leaders (who keep the school's records: assessment and targets across the school) and admins.
AUDIT_READ = (Cap.RECORD_ASSESSMENT_ALL, Cap.MANAGE_SCHOOL)
EXPORT_HEADERS = ["When", "Who", "Kind", "Pupil", "Record", "Change", "What changed"]


class AuditFilterForm(forms.Form):
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    who = forms.ModelChoiceField(label="Who", queryset=User.objects.none(), required=False, empty_label="Anyone")
    kind = forms.MultipleChoiceField(
        label="What", choices=list(audit.KINDS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )
    pupil = forms.TypedChoiceField(label="Pupil", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].queryset = User.objects.filter(memberships__school=access.school).distinct()
        pupils = (
            apps.get_model("pupils", "Pupil")
            .objects.visible_to(access)
            .only("legal_surname", "legal_forename", "preferred_surname", "preferred_forename", "upn")
        )
        self.fields["pupil"].choices = [("", "Any pupil")] + [
            (p.pk, f"{p.surname}, {p.forename} ({p.upn})") for p in pupils
        ]

    def filters(self) -> audit.Filters:
        if not self.is_valid():
            return audit.Filters()
        data = self.cleaned_data
        return audit.Filters(
            start=data["start"],
            end=data["end"],
            who=data["who"],
            kinds=frozenset(data["kind"]),
            pupil_id=data["pupil"],
        )


def _local(when):
    return timezone.localtime(when).replace(tzinfo=None, microsecond=0)


@school_view(*AUDIT_READ)
def audit_log(request: SchoolRequest) -> HttpResponse:
    """Every recorded change, sign-in and data-rights action of the school, filtered, newest first."""
    form = AuditFilterForm(request.GET or None, access=request.access)
    filters = form.filters()
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):  # every row the filters match (up to audit.EXPORT_LIMIT)
        page = audit.audit_page(request.access, filters, per_page=audit.EXPORT_LIMIT)
        rows = (
            [_local(e.when), e.who, e.kind_label, e.pupil_name, e.what, e.action, e.summary] for e in page.object_list
        )
        return table_response(fmt, "Audit log", EXPORT_HEADERS, rows)
    page = audit.audit_page(request.access, filters, page_number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "pupil_id": filters.pupil_id}
    return render(request, "schoolpl/audit/log.html", context)


class SubjectAccessForm(forms.Form):
    requested_by = forms.CharField(
        label="Who made the request", max_length=120, help_text="For example: the pupil's mother, the pupil."
    )
    received_on = forms.DateField(label="Date the request was received", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label="The school's reference", max_length=60, required=False)


def _pupil(request, pk: int):
    return get_object_for(apps.get_model("pupils", "Pupil").objects.visible_to(request.access), pk=pk)


@school_view(*AUDIT_READ)
def subject_access(request: SchoolRequest, pk: int) -> HttpResponse:
    """Record a subject access request for a pupil and download everything the school holds about them."""
    pupil = _pupil(request, pk)
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        note = f"from {data['requested_by']}, received {data['received_on']:%d/%m/%Y}"
        if data["reference"]:
            note += f", reference {data['reference']}"
        access, user = request.access, request.user
        audit.record(access, user, f"Subject access request recorded ({note})", pupil_id=pupil.pk)
        content = data_rights.subject_access_zip(access, pupil, user, note)
        audit.record(
            access,
            user,
            "Subject access export produced",
            pupil_id=pupil.pk,
            changes=[("Export", "—", f"ZIP of CSV files, {len(content)} bytes")],
        )
        response = HttpResponse(content, content_type="application/zip")
        name = f"subject-access-{pupil.pk}-{timezone.localdate().isoformat()}.zip"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "schoolpl/data_rights/subject_access.html", {"pupil": pupil, "form": form})


class RetentionForm(forms.Form):
    leaver_retention_age = forms.IntegerField(
        label="Keep leavers' records until the pupil is aged", min_value=16, max_value=120
    )


@school_view(*AUDIT_READ)
def retention(request: SchoolRequest) -> HttpResponse:
    """Archived leavers past the school's retention age, each with a button to anonymise the record."""
    school = request.access.school
    due = list(data_rights.retention_due(school))
    form = RetentionForm(initial={"leaver_retention_age": school.leaver_retention_age})
    context = {
        "due": due,
        "form": form,
        "cutoff": data_rights.retention_cutoff(school),
        "can_act": request.access.can(Cap.MANAGE_SCHOOL),
    }
    return render(request, "schoolpl/data_rights/retention.html", context)


@require_POST
@school_view(Cap.MANAGE_SCHOOL)
def retention_setting(request: SchoolRequest) -> HttpResponse:
    """The school's retention age (a school decision), audited."""
    school = request.access.school
    form = RetentionForm(request.POST)
    if form.is_valid():
        before, after = school.leaver_retention_age, form.cleaned_data["leaver_retention_age"]
        if before != after:
            school.leaver_retention_age = after
            school.save(update_fields=["leaver_retention_age"])
            audit.record(
                request.access,
                request.user,
                "Retention of leavers' records changed",
                changes=[("Keep until the pupil is aged", str(before), str(after))],
            )
        messages.success(request, f"Leavers' records are kept until the pupil is {after}.")
    else:
        messages.error(request, "The age must be a whole number from 16 to 120.")
    return redirect("retention")


@require_POST
@school_view(Cap.MANAGE_SCHOOL)
def anonymise(request: SchoolRequest, pk: int) -> HttpResponse:
    """Anonymise one leaver past the retention age (refused for a pupil on roll or within retention)."""
    pupil = _pupil(request, pk)
    try:
        data_rights.anonymise(request.access, pupil, request.user)
    except data_rights.RetentionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Record {pupil.pk} has been anonymised; its judgements and targets are kept.")
    return redirect("retention")
