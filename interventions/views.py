"""Interventions pages: thin views (access → form → service → response). Scoping lives in ``selectors``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pupils.models import Pupil
from schoolpl.access import get_object_for, require, school_view
from schoolpl.exports import table_response
from schoolpl.models import AssessmentWindow
from schoolpl.roles import Cap

from . import forms, selectors, services
from .filters import CandidateFilter
from .models import (
    FollowUp,
    InterventionSession,
    JournalEntry,
    JournalQuestion,
    LearningAim,
    ProvisionPupil,
    ProvisionStaff,
    ScoreCard,
    SuccessCharacteristic,
)

EDIT = Cap.EDIT_INTERVENTIONS
READ_ALL = Cap.READ_INTERVENTIONS_ALL
READ_OWN = Cap.READ_INTERVENTIONS_OWN


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Programmes ------------------------------------------------------------------------------------------


@school_view(EDIT, READ_ALL, READ_OWN)
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = selectors.programmes_for(request.access).select_related("subject")
    context = {
        "programmes": programmes,
        "can_edit": request.access.can(EDIT),
        "can_read_all": selectors.sees_all_interventions(request.access),
    }
    return render(request, "interventions/programme_list.html", context)


@school_view(EDIT)
def programme_create(request: HttpRequest) -> HttpResponse:
    return _programme_form(request, None)


@school_view(EDIT)
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _programme_form(request, get_object_for(selectors.programmes_for(request.access), pk=pk))


def _programme_form(request, programme):
    school = request.access.school
    form = forms.ProgrammeForm(request.POST or None, instance=programme, school=school)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if programme is None:
                programme = services.programme_create(school=school, by=request.user, **fields)
            else:
                services.programme_update(programme=programme, by=request.user, **fields)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{programme.name} saved.")
            return redirect("interventions:programme_list")
    return render(request, "interventions/programme_form.html", {"form": form, "programme": programme})


@school_view(EDIT, READ_ALL)
def programme_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_for(selectors.programmes_for(request.access).select_related("subject"), pk=pk)
    places = list(
        selectors.places_for(request.access)
        .filter(provision__programme=programme)
        .select_related("pupil", "provision__programme")
        .order_by("-provision__start_date", "pupil__legal_surname")
    )
    impacts = selectors.place_impacts(places)
    from .impact import summarise

    summary = summarise(i.result for i in impacts)
    chart = _impact_chart(impacts)
    return render(
        request,
        "interventions/programme_evaluation.html",
        {"programme": programme, "impacts": impacts, "summary": summary, "chart": chart},
    )


def _impact_chart(impacts) -> dict:
    from .impact import per_term

    measured = [i for i in impacts if i.result.measured]
    return {
        "type": "bar",
        "data": {
            "labels": [f"Pupil {n}" for n, _ in enumerate(measured, 1)],
            "datasets": [
                {
                    "label": "Points a term before",
                    "data": [round(per_term(i.result.rate_before) or 0, 2) for i in measured],
                },
                {"label": "Points a term during", "data": [round(per_term(i.result.rate_during), 2) for i in measured]},
                {
                    "label": "Points a term expected",
                    "data": [round(per_term(i.result.expected_rate), 2) for i in measured],
                },
            ],
        },
        "options": {"scales": {"y": {"title": {"display": True, "text": "points per term"}}}},
    }


@school_view(EDIT, READ_ALL, Cap.DASHBOARD_SCHOOL)
def impact_summary(request: HttpRequest) -> HttpResponse:
    """Programme impact in figures only (no names): what a SIP may read."""
    rows = sorted(selectors.programme_impacts(request.access.school).values(), key=lambda r: (r[0].wave, r[0].name))
    rows = [(p, s) for p, s in rows if s.pupils]
    if request.GET.get("format") in {"csv", "xlsx"}:
        headers = [
            "Programme",
            "Wave",
            "Pupils",
            "Measured",
            "Accelerated",
            "Accelerated (%)",
            "Points a term before",
            "Points a term during",
            "Points a term expected",
            "Mean ratio gain",
            "Ratio gain band",
            "Total cost (£)",
            "Cost per pupil (£)",
            "Cost per point gained (£)",
            "Cost per point above expected (£)",
        ]
        data = [
            [
                p.name,
                p.wave,
                s.pupils,
                s.measured,
                s.accelerated,
                None if s.accelerated_share is None else round(s.accelerated_share * 100),
                _r(s.term_rate_before),
                _r(s.term_rate_during),
                _r(s.term_rate_expected),
                _r(s.mean_ratio_gain, 1),
                s.ratio_band or "",
                _r(s.total_cost),
                _r(s.cost_per_pupil),
                _r(s.cost_per_point),
                _r(s.cost_per_point_above_expected),
            ]
            for p, s in rows
        ]
        return table_response(request.GET["format"], "Intervention impact", headers, data)
    return render(request, "interventions/impact_summary.html", {"rows": rows})


def _r(value, places: int = 2):
    return None if value is None else round(value, places)


# --- Provision -------------------------------------------------------------------------------------------


@school_view(EDIT, READ_ALL, READ_OWN)
def provision_list(request: HttpRequest) -> HttpResponse:
    today = selectors.today()
    provisions = list(
        selectors.provisions_for(request.access)
        .select_related("programme")
        .prefetch_related(Prefetch("staff", queryset=ProvisionStaff.objects.select_related("user")))
    )
    sizes = selectors.group_sizes(p.pk for p in provisions)
    current = [p for p in provisions if p.end_date >= today]
    past = [p for p in provisions if p.end_date < today]
    return render(request, "interventions/provision_list.html", {"current": current, "past": past, "sizes": sizes})


@school_view(EDIT)
def provision_create(request: HttpRequest) -> HttpResponse:
    """Plan provision for one or several pupils (``?pupil=`` from the candidates list)."""
    access = request.access
    pupils_qs = selectors.pupils_for(access).on_roll()
    source = request.POST if request.method == "POST" else request.GET
    chosen = list(pupils_qs.filter(pk__in=[v for v in source.getlist("pupil") if v.isdigit()]))
    form = forms.ProvisionForm(request.POST or None, school=access.school, pupil_ids=[p.pk for p in chosen])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            provision = services.provision_plan(
                school=access.school,
                programme=data["programme"],
                name=data["name"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                pupils=chosen,
                staff=[(u, data["staff_role"]) for u in data["staff"]],
                targets=list(data["targets"]),
                notes=data["notes"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"{provision.name} planned for {len(chosen)} pupils.")
            if warning := selectors.over_size_warning(provision.programme, len(chosen)):
                messages.warning(request, warning)
            return redirect("interventions:provision_detail", pk=provision.pk)
    others = pupils_qs.exclude(pk__in=[p.pk for p in chosen]).order_by("year_group", "legal_surname")
    return render(request, "interventions/provision_form.html", {"form": form, "chosen": chosen, "others": others})


def _provision(request, pk, write=False):
    if write:
        require(request.access, EDIT)
    return get_object_for(selectors.provisions_for(request.access).select_related("programme__subject"), pk=pk)


@school_view(EDIT, READ_ALL, READ_OWN)
def provision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    provision = _provision(request, pk)
    places = list(
        selectors.places_for(access)
        .filter(provision=provision)
        .select_related("pupil", "provision__programme")
        .prefetch_related(Prefetch("follow_ups", queryset=FollowUp.objects.select_related("followed_up_by")))
        .order_by("pupil__legal_surname", "pupil__legal_forename")
    )
    visible_ids = {p.pupil_id for p in places}
    sessions = list(
        InterventionSession.objects.filter(provision=provision).select_related("led_by").prefetch_related("attendance")
    )
    for session in sessions:
        marks = [a for a in session.attendance.all() if a.pupil_id in visible_ids]
        session.present_count = sum(1 for a in marks if a.present)
        session.marked_count = len(marks)
    can_edit = access.can(EDIT)
    impacts = selectors.place_impacts(places)
    from .impact import summarise

    context = {
        "provision": provision,
        "places": places,
        "impacts": impacts,
        "summary": summarise(i.result for i in impacts),
        "sessions": sessions,
        "staff": provision.staff.select_related("user"),
        "targets": provision.targets.all(),
        "can_edit": can_edit,
        "can_follow_up": access.can(EDIT, Cap.ADD_FOLLOW_UP),
        "add_form": forms.AddPupilForm(
            pupils=selectors.pupils_for(access).on_roll().exclude(pk__in=visible_ids),
            initial={"joined_on": selectors.today()},
        )
        if can_edit
        else None,
        "follow_up_form": forms.FollowUpForm(),
        "leave_form": forms.LeaveForm(initial={"left_on": selectors.today()}),
    }
    return render(request, "interventions/provision_detail.html", context)


@school_view(EDIT)
def provision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    provision = _provision(request, pk, write=True)
    staff = list(provision.staff.all())
    initial = {
        "programme": provision.programme,
        "name": provision.name,
        "start_date": provision.start_date,
        "end_date": provision.end_date,
        "staff": [s.user_id for s in staff],
        "staff_role": staff[0].role if staff else ProvisionStaff.Role.TA,
        "targets": list(provision.targets.all()),
        "notes": provision.notes,
    }
    form = forms.ProvisionForm(
        request.POST or None,
        initial=initial,
        school=request.access.school,
        pupil_ids=list(provision.places.values_list("pupil_id", flat=True)),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.provision_update(
                provision=provision,
                programme=data["programme"],
                name=data["name"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                notes=data["notes"],
                staff=[(u, data["staff_role"]) for u in data["staff"]],
                targets=list(data["targets"]),
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Provision saved.")
            return redirect("interventions:provision_detail", pk=provision.pk)
    return render(request, "interventions/provision_edit.html", {"form": form, "provision": provision})


@require_POST
@school_view(EDIT)
def provision_add_pupil(request: HttpRequest, pk: int) -> HttpResponse:
    provision = _provision(request, pk, write=True)
    form = forms.AddPupilForm(request.POST, pupils=selectors.pupils_for(request.access).on_roll())
    if form.is_valid():
        try:
            services.provision_add_pupil(
                provision=provision,
                pupil=form.cleaned_data["pupil"],
                joined_on=form.cleaned_data["joined_on"],
                by=request.user,
            )
            messages.success(request, f"{form.cleaned_data['pupil'].display_name} joined the provision.")
            current = provision.places.filter(left_on__isnull=True).count()
            if warning := selectors.over_size_warning(provision.programme, current):
                messages.warning(request, warning)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Choose a pupil and the date they join.")
    return redirect("interventions:provision_detail", pk=provision.pk)


@require_POST
@school_view(EDIT)
def place_leave(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_object_for(selectors.places_for(request.access).select_related("pupil"), pk=pk)
    form = forms.LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.provision_pupil_leave(
                place=place,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
            messages.success(request, f"{place.pupil.display_name} has left the provision.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Give the date the pupil left.")
    return redirect("interventions:provision_detail", pk=place.provision_id)


@school_view(EDIT)
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    provision = _provision(request, pk, write=True)
    places = list(provision.places.select_related("pupil").order_by("pupil__legal_surname"))
    form = forms.SessionForm(
        request.POST or None,
        places=places,
        initial={
            "date": (default := selectors.session_default_date(provision)),
            "minutes": provision.programme.session_minutes,
            "present": [
                str(p.pupil_id)
                for p in places
                if p.joined_on <= default and (p.left_on is None or p.left_on >= default)
            ],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_log(
                provision=provision,
                date=data["date"],
                stage=data["stage"],
                minutes=data["minutes"],
                notes=data["notes"],
                present_pupil_ids=[int(v) for v in data["present"]],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Session logged.")
            return redirect("interventions:provision_detail", pk=provision.pk)
    return render(request, "interventions/session_form.html", {"form": form, "provision": provision})


@school_view(EDIT)
def impact_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Entry and exit judgements for every pupil in a provision, recorded for it."""
    provision = _provision(request, pk, write=True)
    places = list(provision.places.select_related("pupil", "provision__programme").order_by("pupil__legal_surname"))
    impacts = {i.place.pk: i for i in selectors.place_impacts(places)}
    rows = []
    for place in places:
        found = impacts[place.pk].result
        initial = {
            "entry_points": found.entry.points if found.entry else None,
            "entry_on": found.entry.date if found.entry else None,
            "exit_points": found.exit.points if found.exit else None,
            "exit_on": found.exit.date if found.exit else None,
            "entry_age_months": place.entry_age_months,
            "exit_age_months": place.exit_age_months,
        }
        rows.append((place, forms.ImpactForm(request.POST or None, prefix=f"p{place.pk}", initial=initial)))
    if request.method == "POST" and all(f.is_valid() for _, f in rows):
        for place, form in rows:
            for kind in ("entry", "exit"):
                points, on = form.cleaned_data[f"{kind}_points"], form.cleaned_data[f"{kind}_on"]
                changed = {f"{kind}_points", f"{kind}_on"} & set(form.changed_data)
                if points is not None and changed:
                    services.impact_judgement_record(
                        place=place, kind=kind, points=points, judged_on=on, by=request.user
                    )
            if {"entry_age_months", "exit_age_months"} & set(form.changed_data):
                services.place_ages_record(
                    place=place,
                    entry_age_months=form.cleaned_data["entry_age_months"],
                    exit_age_months=form.cleaned_data["exit_age_months"],
                )
        messages.success(request, "Entry and exit judgements saved.")
        return redirect("interventions:provision_detail", pk=provision.pk)
    return render(request, "interventions/impact_form.html", {"provision": provision, "rows": rows})


# --- Candidates and the provision map ---------------------------------------------------------------------


@school_view(EDIT, READ_ALL)
def candidates(request: HttpRequest) -> HttpResponse:
    access = request.access
    chosen = CandidateFilter(request.GET or None, queryset=selectors.pupils_for(access), access=access)
    found = [
        c
        for c in selectors.candidates(
            access, pupils=chosen.qs, below_are=chosen.below_are, subject=chosen.chosen_subject
        )
        if chosen.keep(c)
    ]
    if request.GET.get("format") in {"csv", "xlsx"}:
        headers = ["Pupil", "Year", "Reasons"]
        rows = [[c.pupil.display_name, c.pupil.year_label, "; ".join(c.reasons)] for c in found]
        return table_response(request.GET["format"], "Intervention candidates", headers, rows)
    context = {
        "filter": chosen,
        "page": Paginator(found, CANDIDATES_PAGE).get_page(request.GET.get("page")),
        "query": _query_without(request, "page", "format"),
        "filtered": bool(_query_without(request, "page", "format")),
        "can_plan": access.can(EDIT),
    }
    return render(request, "interventions/candidates.html", context)


CANDIDATES_PAGE = 50


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _map_period(request, form):
    school = request.access.school
    window = form.cleaned_data.get("window") if form.is_valid() else None
    if window is None:
        today = selectors.today()
        window = (
            AssessmentWindow.objects.filter(school=school, start_date__lte=today).order_by("-start_date").first()
            or AssessmentWindow.objects.filter(school=school).order_by("start_date").first()
        )
    return window


def _map_for(request):
    form = forms.MapFilterForm(request.GET or None, school=request.access.school)
    window = _map_period(request, form)
    data = form.cleaned_data if form.is_valid() else {}
    result = None
    if window is not None:
        result = selectors.provision_map(
            request.access.school,
            window.start_date,
            window.end_date,
            need=data.get("need") or "",
            area=data.get("area") or "",
            group=data.get("group"),
            wave=data.get("wave"),
        )
    return form, window, result


MAP_HEADERS = ["Pupil", "Year", "Primary need", "Wave 1", "Wave 2", "Wave 3", "Hours", "Cost (£)"]


def map_rows(result) -> list[list]:
    rows = [
        [
            r.pupil.display_name,
            r.pupil.year_label,
            r.pupil.primary_need,
            "; ".join(r.by_wave[1]),
            "; ".join(r.by_wave[2]),
            "; ".join(r.by_wave[3]),
            round(r.hours, 1),
            round(r.cost, 2),
        ]
        for r in result.rows
    ]
    rows.append(["Total", "", "", "", "", "", round(result.total_hours, 1), round(result.total_cost, 2)])
    return rows


@school_view(EDIT, READ_ALL)
def provision_map(request: HttpRequest) -> HttpResponse:
    form, window, result = _map_for(request)
    printable = bool(request.GET.get("print"))
    template = "interventions/provision_map_print.html" if printable else "interventions/provision_map.html"
    query = request.GET.copy()
    query.pop("print", None)
    return render(request, template, {"form": form, "window": window, "result": result, "query": query.urlencode()})


@school_view(EDIT, READ_ALL)
def provision_map_export(request: HttpRequest, fmt: str) -> HttpResponse:
    form, window, result = _map_for(request)
    name = f"Provision map {window.name}" if window else "Provision map"
    return table_response(fmt, name, MAP_HEADERS, map_rows(result) if result else [])


# --- Classroom follow-up ---------------------------------------------------------------------------------


@require_POST
@school_view(EDIT, Cap.ADD_FOLLOW_UP)
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_object_for(selectors.places_for(request.access), pk=pk)
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        services.follow_up_create(
            place=place, learned=form.cleaned_data["learned"], recorded_on=selectors.today(), by=request.user
        )
        messages.success(request, "Follow-up recorded for the class teacher.")
    else:
        messages.error(request, "Say what the pupil learned.")
    return redirect("interventions:provision_detail", pk=place.provision_id)


@require_POST
@school_view(EDIT, Cap.ADD_FOLLOW_UP)
def follow_up_class(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = get_object_for(selectors.follow_ups_for(request.access), pk=pk)
    form = forms.ClassroomNoteForm(request.POST)
    if form.is_valid():
        services.follow_up_record_class(
            follow_up=follow_up, note=form.cleaned_data["note"], on=selectors.today(), by=request.user
        )
        messages.success(request, "Classroom follow-up recorded.")
    else:
        messages.error(request, "Say how you followed it up in class.")
    target = request.POST.get("next", "")
    if target == "pupil":
        return redirect("interventions:pupil_needs", pk=follow_up.place.pupil_id)
    return redirect("home")


# --- Needs assessment ------------------------------------------------------------------------------------


@school_view(EDIT)
def needs_settings(request: HttpRequest) -> HttpResponse:
    school = request.access.school
    char_form = forms.CharacteristicForm(request.POST if "add_characteristic" in request.POST else None)
    question_form = forms.QuestionForm(request.POST if "add_question" in request.POST else None)
    if request.method == "POST":
        try:
            if char_form.is_bound and char_form.is_valid():
                order = SuccessCharacteristic.objects.filter(school=school).count()
                services.characteristic_create(school=school, order=order, **char_form.cleaned_data)
                messages.success(request, "Success characteristic added.")
                return redirect("interventions:needs_settings")
            if question_form.is_bound and question_form.is_valid():
                order = JournalQuestion.objects.filter(school=school).count()
                services.journal_question_create(school=school, order=order, **question_form.cleaned_data)
                messages.success(request, "Journal question added.")
                return redirect("interventions:needs_settings")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    context = {
        "characteristics": SuccessCharacteristic.objects.filter(school=school),
        "questions": JournalQuestion.objects.filter(school=school),
        "char_form": char_form,
        "question_form": question_form,
    }
    return render(request, "interventions/needs_settings.html", context)


@school_view(EDIT, READ_ALL, READ_OWN)
def score_card_summary(request: HttpRequest) -> HttpResponse:
    characteristics, rows = selectors.score_card_summary(request.access)
    if request.GET.get("format") in {"csv", "xlsx"}:
        headers = [
            "Pupil",
            "Year",
            "Baseline date",
            "Latest date",
            *[c.name for c in characteristics],
            "Average",
            "Change from baseline",
        ]
        data = [
            [
                r.pupil.display_name,
                r.pupil.year_label,
                r.baseline.card.taken_on,
                r.latest.card.taken_on,
                *[r.latest.by_characteristic.get(c.pk) for c in characteristics],
                r.latest.average,
                r.change,
            ]
            for r in rows
        ]
        return table_response(request.GET["format"], "Score card summary", headers, data)
    table = [(r, [r.latest.by_characteristic.get(c.pk) for c in characteristics]) for r in rows]
    return render(
        request,
        "interventions/score_card_summary.html",
        {"characteristics": characteristics, "table": table, "can_edit": request.access.can(EDIT)},
    )


def _pupil(request, pk) -> Pupil:
    return get_object_for(selectors.pupils_for(request.access), pk=pk)


@school_view(EDIT, READ_ALL, READ_OWN)
def pupil_needs(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil's score cards over time (change from the baseline), learning journal, aims and provision."""
    pupil = _pupil(request, pk)
    characteristics = list(SuccessCharacteristic.objects.filter(school=request.access.school))
    cards = selectors.card_views(list(ScoreCard.objects.filter(pupil=pupil).order_by("taken_on", "pk")))
    from .impact import change_from_baseline

    baseline = cards[0] if cards else None
    card_table = []
    for c in characteristics:
        cells = [(v.views.get(c.pk), v.by_characteristic.get(c.pk)) for v in cards]
        change = None
        if len(cards) > 1:
            change = change_from_baseline(baseline.by_characteristic, cards[-1].by_characteristic).get(c.pk)
        if any(avg is not None for _, avg in cells):
            card_table.append((c, cells, change))
    overall_change = (
        round(cards[-1].average - baseline.average, 2)
        if len(cards) > 1 and None not in (cards[-1].average, baseline.average)
        else None
    )
    places = list(
        ProvisionPupil.objects.filter(pupil=pupil).select_related("provision__programme").order_by("-joined_on")
    )
    context = {
        "pupil": pupil,
        "cards": cards,
        "card_table": card_table,
        "overall_change": overall_change,
        "journal": JournalEntry.objects.filter(pupil=pupil).select_related("question", "reviewed_by"),
        "aims": LearningAim.objects.filter(pupil=pupil),
        "impacts": selectors.place_impacts(places),
        "follow_ups": FollowUp.objects.filter(place__pupil=pupil).select_related(
            "place__provision__programme", "followed_up_by"
        ),
        "can_edit": request.access.can(EDIT),
        "can_follow_up": request.access.can(EDIT, Cap.ADD_FOLLOW_UP),
    }
    return render(request, "interventions/pupil_needs.html", context)


@school_view(EDIT)
def score_card_create(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    school = request.access.school
    characteristics = SuccessCharacteristic.objects.filter(school=school, is_active=True)
    form = forms.ScoreCardForm(
        request.POST or None, characteristics=characteristics, initial={"taken_on": selectors.today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.score_card_create(
                school=school,
                pupil=pupil,
                taken_on=form.cleaned_data["taken_on"],
                ratings=form.ratings(),
                referred=form.cleaned_data["referred"],
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Score card saved.")
            return redirect("interventions:pupil_needs", pk=pupil.pk)
    return render(request, "interventions/score_card_form.html", {"form": form, "pupil": pupil})


@school_view(EDIT)
def journal_create(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    school = request.access.school
    form = forms.JournalForm(
        request.POST or None,
        school=school,
        questions=JournalQuestion.objects.filter(school=school, is_active=True),
        initial={"written_on": selectors.today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.journal_entries_create(
                school=school,
                pupil=pupil,
                written_on=data["written_on"],
                answers=form.answers(),
                reviewed_by=data["reviewed_with"],
                reviewed_on=data["reviewed_on"],
                next_steps=data["next_steps"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Learning journal saved.")
            return redirect("interventions:pupil_needs", pk=pupil.pk)
    return render(request, "interventions/journal_form.html", {"form": form, "pupil": pupil})


@school_view(EDIT)
def aim_create(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil(request, pk)
    form = forms.AimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.learning_aim_create(
                school=request.access.school,
                pupil=pupil,
                created_on=selectors.today(),
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Learning-potential aim saved.")
            return redirect("interventions:pupil_needs", pk=pupil.pk)
    return render(request, "interventions/aim_form.html", {"form": form, "pupil": pupil})
