"""The academic year rollover pages: the preview (with the leavers' export) and its confirmation, then the
run's progress and result. Senior leaders and school admins only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from schoolpl.access import get_object_for, school_view
from schoolpl.exports import table_response
from schoolpl.roles import Cap

from .. import rollover
from ..models import RolloverRun
from .common import export_format


class ConfirmForm(forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput)
    create_groups = forms.BooleanField(
        label="Create this year's teaching groups from last year's (same names and subjects)",
        required=False,
        initial=True,
        help_text="Leave unticked to set up the groups yourself, for example by importing them.",
    )
    carry_teachers = forms.BooleanField(
        label="Keep each group's teachers", required=False, initial=True, help_text="Untick to leave them blank."
    )
    confirm = forms.CharField(label="Type the new year's name to confirm", max_length=20)

    def __init__(self, *args, year_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.year_name = year_name
        self.fields["confirm"].help_text = f"Type {year_name} exactly."
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != self.year_name:
            raise forms.ValidationError(f"Type {self.year_name} to confirm the rollover.")
        return value


def _leavers_export(fmt: str, plan: rollover.Plan) -> HttpResponse:
    rows = ([leaver.name, leaver.upn, leaver.year_label, leaver.form] for leaver in plan.leavers)
    return table_response(fmt, f"Leavers {plan.from_year.name}", ["Pupil", "UPN", "Year", "Form"], rows)


@school_view(Cap.MANAGE_SCHOOL_YEAR)
def rollover_preview(request: HttpRequest) -> HttpResponse:
    school = request.access.school
    today = timezone.localdate()
    from_year = rollover.current_year(school, today)
    runs = RolloverRun.objects.filter(school=school).select_related("from_year", "started_by")[:10]
    if from_year is None:
        return render(request, "pupils/rollover.html", {"plan": None, "runs": runs})
    plan = rollover.plan(school, from_year, today)
    fmt = export_format(request)
    if fmt:
        return _leavers_export(fmt, plan)
    form = ConfirmForm(request.POST or None, year_name=plan.to_year_name, initial={"fingerprint": plan.fingerprint})
    refusal = plan.refusal(today)
    if request.method == "POST" and form.is_valid() and not refusal:
        try:
            run = rollover.start(
                school=school,
                from_year=from_year,
                fingerprint=form.cleaned_data["fingerprint"],
                by=request.user,
                carry_teachers=form.cleaned_data["carry_teachers"],
                create_groups=form.cleaned_data["create_groups"],
            )
        except rollover.RolloverRefused as exc:
            form.add_error(None, str(exc))
        except IntegrityError:  # another rollover into the same year was started at the same moment
            form.add_error(None, f"A rollover into {plan.to_year_name} has already been started.")
        else:
            messages.success(request, f"The rollover into {plan.to_year_name} has started.")
            return redirect("pupils:rollover_run", pk=run.pk)
    last_done = next((r for r in runs if r.status == RolloverRun.Status.DONE), None)
    context = {"plan": plan, "form": form, "refusal": refusal, "runs": runs, "last_done": last_done, "query": ""}
    return render(request, "pupils/rollover.html", context)


@school_view(Cap.MANAGE_SCHOOL_YEAR)
def rollover_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_for(
        RolloverRun.objects.filter(school=request.access.school).select_related("from_year", "to_year"), pk=pk
    )
    step = ""
    if run.status == RolloverRun.Status.RUNNING:
        live = rollover.cache.get(rollover.progress_key(run.pk)) or {}
        run.progress, step = live.get("percent", run.progress), live.get("step", "")
    template = "pupils/rollover_run.html#progress" if request.htmx else "pupils/rollover_run.html"
    return render(request, template, {"run": run, "step": step})
