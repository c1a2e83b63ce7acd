"""Target pages: a pupil's targets, the curricular target tree, group proposals, notifications, settings.

Thin views: access → form → service → response. Pupils and groups come through ``visible_to`` (a teacher
sees their own, leaders and SENCOs all, a SIP none), single objects through ``get_object_for``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessment.models import Focus, Subject
from pupils.models import Pupil, TeachingGroup
from schoolpl.access import get_object_for, require, school_view
from schoolpl.exports import table_response
from schoolpl.models import AssessmentWindow
from schoolpl.roles import Cap

from . import chain, proposals, pscale, selectors, services
from .forms import (
    AdjustTargetForm,
    AgeRelatedExpectationForm,
    CurricularTargetForm,
    GroupProposalForm,
    PupilTargetForm,
    ReviewForm,
    TargetSettingsForm,
)
from .models import CurricularTarget, Notification, PupilTarget

READ = (Cap.EDIT_TARGETS_OWN, Cap.EDIT_TARGETS_ALL, Cap.READ_TARGETS_ALL)
EDIT = (Cap.EDIT_TARGETS_OWN, Cap.EDIT_TARGETS_ALL)


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            for err in errs:
                form.add_error(field if field in form.fields else None, err.messages[0])
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _pupil_parents(access, pupil):
    """Targets a pupil target may be derived from: active class/group/year targets that reach the pupil."""
    from pupils.models import GroupMembership

    groups = GroupMembership.objects.current().filter(pupil=pupil).values("group_id")
    return (
        CurricularTarget.objects.filter(school=access.school, status=CurricularTarget.Status.ACTIVE)
        .filter(
            Q(level=CurricularTarget.Level.CLASS, teaching_group_id__in=groups)
            | Q(level=CurricularTarget.Level.GROUP, group_pupils=pupil)
            | Q(level=CurricularTarget.Level.YEAR, year_group=pupil.year_group)
        )
        .distinct()
    )


# ------------------------------------------------------------------------------------------------
# A pupil's targets
# ------------------------------------------------------------------------------------------------


@school_view(*READ)
def pupil_targets(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    pupil = get_object_for(Pupil.objects.visible_to(access), pk=pk)
    numeric = list(
        PupilTarget.objects.filter(pupil=pupil)
        .select_related("subject", "set_by")
        .order_by("subject__order", "-set_at")
    )
    curricular = list(
        CurricularTarget.objects.filter(pupil=pupil)
        .select_related("subject", "parent")
        .prefetch_related("focuses", "reviews", "pupil_comments")  # the pupil's own comments from the portal
        .order_by("status", "-created_at")
    )
    for t in curricular:
        t.review_form = ReviewForm(auto_id=f"id_review{t.pk}_%s")
    trajectories = selectors.pupil_trajectories(pupil)
    selectors.label_targets([*numeric, *(tr["target"] for tr in trajectories)], pupil.school_id)
    context = {
        "pupil": pupil,
        "chains": chain.chain_for_pupil(pupil),  # number ← curricular targets ← provision: 4 queries
        "numeric": numeric,
        "curricular": curricular,
        "trajectories": trajectories,
        "can_edit": access.can(*EDIT),
    }
    return render(request, "targets/pupil_targets.html", context)


def _numeric_for(request, pk) -> PupilTarget:
    access = request.access
    require(access, *EDIT)
    return get_object_for(
        PupilTarget.objects.filter(school=access.school, pupil__in=Pupil.objects.visible_to(access).values("pk")), pk=pk
    )


@require_POST
@school_view(*EDIT)
def numeric_accept(request: HttpRequest, pk: int) -> HttpResponse:
    target = _numeric_for(request, pk)
    services.target_accept(target=target, by=request.user)
    messages.success(request, f"Target accepted for {target.subject.name}.")
    return redirect("targets:pupil", pk=target.pupil_id)


@require_POST
@school_view(*EDIT)
def numeric_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    target = _numeric_for(request, pk)
    form = AdjustTargetForm(request.POST)
    if form.is_valid():
        try:
            services.target_adjust(
                target=target,
                target_points=form.cleaned_data["target_points"],
                target_date=form.cleaned_data.get("target_date"),
                by=request.user,
            )
            messages.success(request, f"Target adjusted for {target.subject.name}; the proposal is kept.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Enter the target in points.")
    return redirect("targets:pupil", pk=target.pupil_id)


@school_view(*EDIT)
def pupil_target_new(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    pupil = get_object_for(Pupil.objects.visible_to(access), pk=pk)
    numeric = PupilTarget.objects.filter(pupil=pupil, status__in=chain.CURRENT).select_related("subject")
    labelled = list(numeric)
    selectors.label_targets(labelled, pupil.school_id)
    subject_id = _int(request.GET.get("subject", ""))  # "Add a target serving it" from the chain: pre-filled
    serving = next((t for t in labelled if t.subject_id == subject_id), None)
    form = PupilTargetForm(
        request.POST or None,
        initial={"subject": subject_id or None, "serves": serving.pk if serving else None},
        subjects=Subject.objects.filter(school=access.school),
        parents=_pupil_parents(access, pupil),
        numeric=numeric,
        labelled=labelled,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                target = services.curricular_target_create(
                    school=access.school,
                    level=CurricularTarget.Level.PUPIL,
                    pupil=pupil,
                    by=request.user,
                    **{
                        k: data[k]
                        for k in (
                            "text",
                            "pupil_words",
                            "agreed_with_pupil",
                            "shared_with_parents",
                            "term",
                            "subject",
                            "parent",
                            "review_date",
                        )
                    },
                )
                if data.get("serves") is not None:
                    chain.curricular_target_serve(target=target, numeric=data["serves"])
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"Target set for {pupil.display_name}.")
            return redirect("targets:pupil", pk=pupil.pk)
    return render(request, "targets/pupil_target_form.html", {"pupil": pupil, "form": form})


def _curricular_for(access, pk) -> CurricularTarget:
    """A curricular target of the school; a pupil's target only if the pupil is visible to the user."""
    visible = Pupil.objects.visible_to(access).values("pk")
    qs = CurricularTarget.objects.filter(school=access.school).filter(Q(pupil__isnull=True) | Q(pupil__in=visible))
    return get_object_for(qs.select_related("parent", "subject", "teaching_group", "pupil"), pk=pk)


@require_POST
@school_view(*EDIT)
def review_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    target = _curricular_for(access, pk)
    if target.level == CurricularTarget.Level.PUPIL:
        back = reverse("targets:pupil", kwargs={"pk": target.pupil_id})
    else:
        back = reverse("targets:curricular_detail", kwargs={"pk": target.pk})
        if not access.can(Cap.EDIT_TARGETS_ALL) and not _teaches(access, target):
            require(access, Cap.EDIT_TARGETS_ALL)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.target_review_record(target=target, by=request.user, **form.cleaned_data)
            messages.success(request, "Review recorded.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "Give the review date and outcome.")
    return redirect(back)


def _teaches(access, target) -> bool:
    if target.teaching_group_id is None:
        return False
    return TeachingGroup.objects.visible_to(access).filter(pk=target.teaching_group_id).exists()


# ------------------------------------------------------------------------------------------------
# The curricular target tree
# ------------------------------------------------------------------------------------------------


@school_view(*READ)
def curricular_list(request: HttpRequest) -> HttpResponse:
    """Whole-school targets with how many targets were derived from each (two queries)."""
    access = request.access
    targets = (
        CurricularTarget.objects.filter(school=access.school, level=CurricularTarget.Level.SCHOOL)
        .select_related("subject")
        .annotate(n_children=Count("children"))
        .order_by("status", "-created_at")
    )
    fmt = request.GET.get("format")
    if fmt:
        rows = [
            (
                t.text,
                t.subject.name if t.subject else "",
                t.get_term_display(),
                t.get_status_display(),
                t.review_date,
                t.n_children,
            )
            for t in targets
        ]
        return table_response(
            fmt, "Whole-school targets", ["Target", "Subject", "Term", "Status", "Review by", "Derived targets"], rows
        )
    return render(
        request,
        "targets/curricular_list.html",
        {"targets": targets, "can_create": access.can(Cap.EDIT_TARGETS_ALL)},
    )


def _tree(access, root: CurricularTarget) -> list[dict]:
    """Every target below ``root``, depth first, in a constant number of queries: the school's targets are
    read once and linked in Python (a tree is at most five levels deep)."""
    visible = set(Pupil.objects.visible_to(access).values_list("pk", flat=True))
    all_targets = list(
        CurricularTarget.objects.filter(school=access.school)
        .exclude(level=CurricularTarget.Level.SCHOOL)
        .select_related("teaching_group", "pupil", "subject")
        .prefetch_related(Prefetch("group_pupils", queryset=Pupil.objects.only("pk")))
        .annotate(n_reviews=Count("reviews"))
    )
    children: dict[int, list] = {}
    for t in all_targets:
        children.setdefault(t.parent_id, []).append(t)
    out = []

    def walk(node, depth):
        for child in sorted(children.get(node.pk, []), key=lambda t: (LEVELS.index(t.level), t.pk)):
            out.append(
                {
                    "target": child,
                    "depth": depth,
                    "pupil_visible": child.pupil_id in visible,
                    "group_size": len(child.group_pupils.all()),
                }
            )
            walk(child, depth + 1)

    walk(root, 1)
    return out


LEVELS = [c for c, _ in CurricularTarget.Level.choices]


@school_view(*READ)
def curricular_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    target = _curricular_for(access, pk)
    tree = _tree(access, target)
    pupils_reached = {row["target"].pupil_id for row in tree if row["target"].pupil_id}
    context = {
        "target": target,
        "tree": tree,
        "pupils_reached": len(pupils_reached),
        "ancestors": _ancestors(target),
        "can_derive": access.can(*EDIT) and target.level != CurricularTarget.Level.PUPIL,
        "review_form": ReviewForm(),
        "reviews": list(target.reviews.all()),
        "can_review": access.can(Cap.EDIT_TARGETS_ALL) or _teaches(access, target),
    }
    return render(request, "targets/curricular_detail.html", context)


def _ancestors(target) -> list[CurricularTarget]:
    chain, node = [], target.parent
    while node is not None and len(chain) < 5:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def _curricular_form(request, access, levels, initial=None):
    groups = TeachingGroup.objects.visible_to(access).filter(academic_year__end_date__gte=_today())
    return CurricularTargetForm(
        request.POST or None,
        initial=initial,
        subjects=Subject.objects.filter(school=access.school),
        focuses=Focus.objects.filter(subject__school=access.school).select_related("subject"),
        groups=groups,
        pupils=Pupil.objects.visible_to(access).on_roll(),
        levels=levels,
    )


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _create_from_form(request, form, parent=None) -> CurricularTarget | None:
    data = form.cleaned_data
    fields = {
        "level": data["level"],
        "term": data["term"],
        "text": data["text"],
        "subject": data.get("subject"),
        "focuses": list(data.get("focuses") or []),
        "year_group": data.get("year_group"),
        "teaching_group": data.get("teaching_group"),
        "group_pupils": list(data.get("group_pupils") or []),
        "pupil": data.get("pupil"),
        "pupil_words": data.get("pupil_words", ""),
        "agreed_with_pupil": data.get("agreed_with_pupil", False),
        "review_date": data.get("review_date"),
    }
    try:
        if parent is None:
            return services.curricular_target_create(school=request.access.school, by=request.user, **fields)
        return services.curricular_target_derive(parent=parent, by=request.user, **fields)
    except ValidationError as exc:
        _errors(form, exc)
        return None


@school_view(Cap.EDIT_TARGETS_ALL)
def curricular_new(request: HttpRequest) -> HttpResponse:
    access = request.access
    form = _curricular_form(
        request, access, levels=[CurricularTarget.Level.SCHOOL], initial={"level": "school", "term": "long"}
    )
    if request.method == "POST" and form.is_valid():
        target = _create_from_form(request, form)
        if target is not None:
            messages.success(request, "Whole-school target added.")
            return redirect("targets:curricular_detail", pk=target.pk)
    return render(request, "targets/curricular_form.html", {"form": form, "parent": None})


@school_view(*EDIT)
def curricular_derive(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    parent = _curricular_for(access, pk)
    narrower = LEVELS[LEVELS.index(parent.level) + 1 :]
    if not access.can(Cap.EDIT_TARGETS_ALL):
        narrower = [lv for lv in narrower if lv in ("class", "group", "pupil")]  # a teacher: own classes and pupils
    if not narrower:
        return redirect("targets:curricular_detail", pk=parent.pk)
    initial = {"level": narrower[0], "term": parent.term, "subject": parent.subject_id, "year_group": parent.year_group}
    form = _curricular_form(request, access, levels=narrower, initial=initial)
    if request.method == "POST" and form.is_valid():
        target = _create_from_form(request, form, parent=parent)
        if target is not None:
            messages.success(request, "Target derived.")
            return redirect("targets:curricular_detail", pk=parent.pk)
    return render(request, "targets/curricular_form.html", {"form": form, "parent": parent})


# ------------------------------------------------------------------------------------------------
# Group targets proposed from a class's shared weaknesses
# ------------------------------------------------------------------------------------------------


@school_view(*EDIT)
def group_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    group = get_object_for(TeachingGroup.objects.visible_to(access), pk=pk)
    subjects = list(Subject.objects.filter(school=access.school, group_subject=group.subject))
    windows = list(AssessmentWindow.objects.filter(school=access.school).order_by("-end_date"))
    subject = next(
        (s for s in subjects if str(s.pk) == request.GET.get("subject", "")), subjects[0] if subjects else None
    )
    window = next((w for w in windows if str(w.pk) == request.GET.get("window", "")), windows[0] if windows else None)
    weaknesses = selectors.shared_weaknesses(group, window, subject) if subject and window else []
    if request.method == "POST":
        form = GroupProposalForm(request.POST)
        chosen = next((w for w in weaknesses if form.is_valid() and w["focus"].pk == form.cleaned_data["focus"]), None)
        if chosen is not None:
            try:
                services.curricular_target_create(
                    school=access.school,
                    level=CurricularTarget.Level.GROUP,
                    term=form.cleaned_data["term"],
                    text=form.cleaned_data["text"],
                    subject=subject,
                    focuses=[chosen["focus"]],
                    teaching_group=group,
                    group_pupils=chosen["pupils"],
                    review_date=form.cleaned_data.get("review_date"),
                    parent=_class_parent(access, group),
                    by=request.user,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, f"Group target set for {len(chosen['pupils'])} pupils.")
                url = reverse("targets:group_proposal", kwargs={"pk": group.pk})
                return redirect(f"{url}?subject={subject.pk}&window={window.pk}")
        else:
            messages.error(request, "Choose one of the shared weaknesses and write the target.")
    proposals = [
        {
            **w,
            "form": GroupProposalForm(
                initial={"focus": w["focus"].pk, "text": f"Improve {w['focus'].name.lower()} ({w['focus'].code})"}
            ),
        }
        for w in weaknesses
    ]
    context = {
        "group": group,
        "subjects": subjects,
        "windows": windows,
        "subject": subject,
        "window": window,
        "proposals": proposals,
    }
    return render(request, "targets/group_proposal.html", context)


def _class_parent(access, group):
    return (
        CurricularTarget.objects.filter(
            school=access.school,
            level=CurricularTarget.Level.CLASS,
            teaching_group=group,
            status=CurricularTarget.Status.ACTIVE,
        )
        .order_by("-created_at")
        .first()
    )


# ------------------------------------------------------------------------------------------------
# Notifications and settings
# ------------------------------------------------------------------------------------------------


@school_view()
def notifications(request: HttpRequest) -> HttpResponse:
    access = request.access
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("notification") if i.isdigit()]
        services.notifications_mark_read(
            user=request.user, school=access.school, ids=None if request.POST.get("all") else ids
        )
        messages.success(request, "Marked as read.")
        return redirect("targets:notifications")
    items = list(
        Notification.objects.filter(user=request.user, school=access.school).exclude(kind="weekly_digest")[:200]
    )
    return render(request, "targets/notifications.html", {"items": items})


@school_view(Cap.EDIT_TARGETS_ALL)
def target_settings(request: HttpRequest) -> HttpResponse:
    access = request.access
    instance = services.target_settings_for(access.school)
    rule = selectors.flag_rule_explained(instance)  # the saved rule, before a form changes the instance
    rule["pscale"] = _pscale_example(instance)
    subjects = Subject.objects.filter(school=access.school)
    is_are = request.method == "POST" and "are_set" in request.POST
    are_form = AgeRelatedExpectationForm(request.POST if is_are else None, subjects=subjects)
    if request.method == "POST" and "are_remove" in request.POST:
        services.are_remove(school=access.school, pk=_int(request.POST.get("are_remove")), by=request.user)
        messages.success(request, "Age-related expectation removed; the default applies.")
        return redirect("targets:settings")
    if is_are:
        if are_form.is_valid():
            try:
                services.are_set(school=access.school, by=request.user, **are_form.cleaned_data)
            except ValidationError as exc:
                _errors(are_form, exc)
            else:
                messages.success(request, "Age-related expectation saved.")
                return redirect("targets:settings")
        return render(
            request,
            "targets/settings.html",
            _settings_context(access, TargetSettingsForm(instance=instance), rule, are_form),
        )
    form = TargetSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and "propose" in request.POST:
        result = services.target_propose(school=access.school, by=request.user)
        messages.success(
            request,
            f"{result.created} targets proposed, {result.refreshed} proposals refreshed; "
            f"{result.skipped_active} accepted targets kept; {result.no_baseline} without a baseline"
            + (
                f" ({result.own_scale_only} with only a post-2014 result: {proposals.OWN_SCALE_ONLY})."
                if result.own_scale_only
                else "."
            ),
        )
        return redirect("targets:settings")
    if request.method == "POST" and form.is_valid():
        try:
            services.target_settings_update(school=access.school, by=request.user, **form.settings_values())
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "Target settings saved; trajectories are being recomputed.")
            return redirect("targets:settings")
    return render(request, "targets/settings.html", _settings_context(access, form, rule, are_form))


def _pscale_example(instance) -> dict:
    """The saved P-scale rule worked through (the defaults if the saved settings are inconsistent)."""
    try:
        policy = instance.pscale_policy()
    except ValueError:
        policy = pscale.DEFAULT_PSCALE_POLICY
    return pscale.worked_example(policy)


def _settings_context(access, form, rule, are_form) -> dict:
    return {"form": form, "rule": rule, "are_form": are_form, "are": selectors.are_table(access.school.pk)}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
