"""Progress dashboard pages: the school dashboard (leaders, SENCOs, admins; a teacher's own groups; a SIP's
aggregates), the drill-down to the pupils behind a figure, CSV/XLSX export of every table, and the trust
view. Each request loads the frames once (``targets.dashboard.loader.load_frames``), builds the panels
(``targets.dashboard.<panel>``) and renders."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from assessment.models import Subject
from pupils import codes
from pupils.models import Pupil, TeachingGroup
from schoolpl import disclosure
from schoolpl.access import FSM_FIELDS, school_view
from schoolpl.discovery import app_modules
from schoolpl.exports import table_response
from schoolpl.models import Membership
from schoolpl.roles import Cap, capabilities_for

from .are import are_by_year
from .drill import Drill, drill_down
from .frames import CHARACTERISTICS, Characteristic, Filters, Frames, characteristic, characteristics_without
from .gaps import gaps
from .levels import levels_panels
from .loader import load_frames, load_trust_counts
from .overview import overview
from .policy import KEY_STAGES
from .stuck import concern_rows, stuck_list
from .tables import STATUS_LABELS, Cell
from .trends import gap_trends, trends
from .trust import trust_frame, trust_table

DASHBOARD_CAPS = (Cap.DASHBOARD_SCHOOL, Cap.DASHBOARD_OWN)


# --- Scope and filters ----------------------------------------------------------------------------


def _scope(access):
    """(pupils the user may count, whether names may be shown). Leaders, SENCOs and admins: the whole
    school with names; a teacher: pupils now in their own groups; a SIP: the whole school, no names."""
    if access.aggregates_only:
        return Pupil.objects.in_school(access.school), False
    return Pupil.objects.visible_to(access), True


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def characteristics_for(*, sees_fsm: bool) -> tuple[Characteristic, ...]:
    """The groups a user may see, filter and drill by: FSM and pupil premium only if the access layer's rule
    (``SchoolAccess.sees_fsm``) lets them."""
    return CHARACTERISTICS if sees_fsm else characteristics_without(FSM_FIELDS)


def _filters(request: HttpRequest, groups: list, characteristics: tuple) -> Filters:
    """Read the filters from GET leniently: anything unknown is ignored (a teaching group must be one of
    the user's visible groups, a characteristic one the user may see — never FSM for a class teacher the
    school does not let see it; the other values only narrow data already scoped to the school)."""
    get = request.GET
    year = _int(get.get("year"))
    group = get.get("group", "")
    if group.startswith("ethnicity:") and group.split(":", 1)[1] not in dict(codes.ETHNICITY):
        group = ""
    teaching_group = _int(get.get("teaching_group"))
    return Filters(
        window_id=_int(get.get("window")),
        year_group=year if year in dict(codes.YEAR_GROUPS) else None,
        subject_id=_int(get.get("subject")),
        group=group if group.startswith("ethnicity:") or characteristic(group) in characteristics else "",
        teaching_group_id=teaching_group if teaching_group in {g.pk for g in groups} else None,
    )


def _load(request: HttpRequest, detail: bool = False):
    """Filters, frames and the teaching groups for the filter (queries: teaching groups 1 + frames 7);
    ``detail`` for the drill-down's columns."""
    access = request.access
    pupils, names = _scope(access)
    # Only groups of the subjects the dashboard tracks (English, maths …), not art or PE: one query.
    tracked = Subject.objects.filter(school=access.school).values("group_subject")
    groups = list(
        TeachingGroup.objects.visible_to(access)
        .filter(subject__in=tracked)
        .only("pk", "name", "subject", "year_group")
        .order_by("year_group", "name")
    )
    characteristics = characteristics_for(sees_fsm=access.sees_fsm)
    filters = _filters(request, groups, characteristics)
    frames = load_frames(
        access.school,
        pupils,
        filters,
        names=names,
        today=timezone.localdate(),
        whole_school=access.aggregates_only or access.sees_all_pupils,
        detail=detail,
        characteristics=characteristics,
    )
    return frames, groups


def _provision(school, pupil_ids) -> dict | None:
    """Wave 2/3 provision per pupil from an installed provider (``<app>/coverage.py`` with
    ``provision_for(school, pupil_ids)``); None when no app provides it, and the column is left out."""
    found = None
    for module in app_modules("coverage"):
        provider = getattr(module, "provision_for", None)
        if provider is not None:
            found = {**(found or {}), **provider(school, list(pupil_ids))}
    return found


def _drill(request: HttpRequest) -> Drill:
    get = request.GET
    statuses = tuple(s for s in get.get("status", "").split(",") if s in STATUS_LABELS)
    panel = get.get("panel", "status")
    return Drill(
        panel=panel if panel in {"status", "levels", "attainment"} else "status",
        statuses=statuses,
        ks=get.get("ks", "") if get.get("ks") in KEY_STAGES else "",
        bucket=get.get("bucket", "")[:3],
        start=get.get("start", "")[:3],
        end=get.get("end", "")[:3],
    )


#: The page lists this many stuck / well-behind rows; the drill-down and the export have them all.
STUCK_ROWS_ON_PAGE = 50


def _tables(frames: Frames, school, limit: int | None = None, only: str | None = None) -> tuple[dict, list]:
    """Every panel's tables by key (and the levels panels), or ``only`` the one an export asks for."""

    def wanted(key: str) -> bool:
        return only is None or only == key

    tables = {}
    if wanted("overview"):
        tables["overview"] = overview(frames)
    if wanted("are"):
        tables["are"] = are_by_year(frames)
    if wanted("stuck"):
        listed = concern_rows(frames).iloc[:limit]  # the provision of the pupils the stuck list shows
        provision = _provision(school, listed["pupil_id"].unique()) if frames.names and not listed.empty else None
        tables["stuck"] = stuck_list(frames, provision, limit=limit)
    if wanted("gaps"):
        tables["gaps"] = gaps(frames)
    if wanted("gap-trend"):
        tables["gap-trend"] = gap_trends(frames)
    if wanted("trend"):
        tables["trend"] = trends(frames)
    levels = levels_panels(frames) if only is None or only.startswith(("levels-", "matrix-")) else []
    for panel in levels:
        tables[panel["levels"].key] = panel["levels"]
        tables[panel["matrix"].key] = panel["matrix"]
    return tables, levels


def _profile_url():
    """The pupil profile's URL pattern, if the pupils app provides one."""
    try:
        return reverse("pupils:detail", kwargs={"pk": 0}).replace("/0/", "/{}/")
    except NoReverseMatch:
        return None


def _link(tables, params: dict, names: bool) -> None:
    """Turn each figure's drill-down parameters into a link, and each pupil's name into a link to their
    profile (only for users who may see the pupils)."""
    if not names:
        return
    base = reverse("targets:dashboard_pupils")
    profile = _profile_url()
    pairs: dict = {}  # "key=value" as urlencode writes it, once per distinct pair (a page links ~1,000 cells)

    def query(parameters: dict) -> str:
        out = []
        for key, value in parameters.items():
            pair = pairs.get((key, type(value), value))
            if pair is None:
                pair = pairs[key, type(value), value] = urlencode({key: value})
            out.append(pair)
        return "&".join(out)

    for table in tables:
        for row in table.rows:
            if profile and row and row[0].pupil_id is not None:
                row[0].href = profile.format(row[0].pupil_id)
            row_label = None
            for cell, header in zip(row, table.headers, strict=False):
                if cell.drill:
                    if row_label is None:
                        row_label = " ".join(c.text for c in row if c.header) or row[0].text
                        if len(row) > 1 and not row[1].header and not row[1].drill:
                            row_label = f"{row_label} {row[1].text}"
                    cell.href = f"{base}?{query({**params, **cell.drill})}"
                    cell.label = f"{row_label}, {header}: {cell.text} — list the pupils"


def _cell_html(cell: Cell) -> str:
    """One cell as ``_table.html`` used to render it, every text escaped (``html.escape`` is what Django's
    ``escape`` and autoescaping run; called directly, it is several times cheaper per cell)."""
    content = escape(cell.text)
    if cell.href:
        label = f' aria-label="{escape(cell.label)}"' if cell.label else ""
        content = f'<a href="{escape(cell.href)}"{label}>{content}</a>'
    if cell.note:
        content += f'<span class="d-block small text-body-secondary">{escape(cell.note)}</span>'
    return f'<th scope="row">{content}</th>' if cell.header else f"<td>{content}</td>"


def _render_rows(tables) -> None:
    """Each table's body rows as HTML, built once here (``table.extra["body"]``) rather than by template tags
    cell by cell: a page has a few thousand cells. ``_table.html`` shows it."""
    for table in tables:
        rows = (f"\n  <tr>{''.join(_cell_html(cell) for cell in row)}</tr>\n  " for row in table.rows)
        table.extra["body"] = mark_safe("".join(rows))  # noqa: S308 - _cell_html escapes every text value


def _export_links(tables, params: dict) -> None:
    base = reverse("targets:dashboard_export")
    for table in tables:
        table.extra["exports"] = [
            (label, f"{base}?{urlencode({**params, 'table': table.key, 'format': fmt})}")
            for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"))
        ]


def _filter_context(request, frames: Frames, groups: list) -> dict:
    years = sorted({int(y) for y in frames.pupils["year_group"].unique()} | ({frames.filters.year_group} - {None}))
    return {
        "windows": frames.windows.to_dict("records"),
        "subjects": frames.subjects.to_dict("records"),
        "years": [(y, codes.year_group_label(y)) for y in years]
        if frames.filters.year_group is None
        else [(y, codes.year_group_label(y)) for y, _label in codes.YEAR_GROUPS],
        "characteristics": frames.characteristics,
        "chosen_ethnicity": codes.ethnicity_name(frames.filters.group.split(":", 1)[1])
        if frames.filters.group.startswith("ethnicity:")
        else "",
        "teaching_groups": groups,
        "f": frames.filters,
        "chosen_window": frames.window,
    }


def _pupils_in_view(count: int, threshold: int | None) -> str:
    """ "12 pupils", or "<5 pupils" for a SIP: a filter down to one looked-after child must not count them."""
    if threshold is not None and count < threshold:
        return f"{disclosure.small(threshold)} pupils"
    return f"{count} pupil{'' if count == 1 else 's'}"


# --- Views ----------------------------------------------------------------------------------------


@school_view(*DASHBOARD_CAPS)
def dashboard(request: HttpRequest):
    """Every panel for the chosen filters. Queries: session, user, memberships (3, middleware) + teaching
    groups (1) + frames (7) + provision provider (0 or its own), whatever the number of pupils."""
    access = request.access
    frames, groups = _load(request)
    if access.aggregates_only:  # a SIP: small counts read "<5" (DESIGN §4); a leader sees the names anyway
        frames.threshold = access.school.small_count_threshold
    tables, levels = _tables(frames, access.school, limit=STUCK_ROWS_ON_PAGE)
    params = frames.filters.params()
    if frames.window is not None:
        params["window"] = frames.window["id"]
    _link(tables.values(), params, frames.names)
    _render_rows(tables.values())
    _export_links(tables.values(), params)
    context = {
        "frames": frames,
        "tables": tables,
        "gap_trend": tables["gap-trend"],
        "levels": levels,
        "names": frames.names,
        "own_groups_only": frames.names and not access.sees_all_pupils,
        "trust_link": len(access.schools) > 1,
        "all_concerns_url": reverse("targets:dashboard_pupils")
        + "?"
        + urlencode({**params, "status": "stuck,well_behind"}),
        "pupils_in_view": len(frames.pupils),
        "pupils_in_view_text": _pupils_in_view(len(frames.pupils), frames.threshold),
        "small_count": frames.threshold,
        **_filter_context(request, frames, groups),
    }
    return render(request, "targets/dashboard/dashboard.html", context)


@school_view(*DASHBOARD_CAPS)
def dashboard_pupils(request: HttpRequest):
    """The pupils behind one figure, by name: never for aggregates-only access (a SIP)."""
    access = request.access
    if access.aggregates_only:
        raise PermissionDenied("Your role shows figures only, not pupils.")
    frames, groups = _load(request, detail=True)
    drill = _drill(request)
    table = drill_down(frames, drill)
    _link([table], {}, names=True)
    _render_rows([table])
    params = {
        **frames.filters.params(),
        **{k: v for k, v in request.GET.items() if k in {"panel", "status", "ks", "bucket", "start", "end"}},
    }
    base = reverse("targets:dashboard_export")
    table.extra["exports"] = [
        (label, f"{base}?{urlencode({**params, 'table': 'pupils', 'format': fmt})}")
        for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"))
    ]
    back = reverse("targets:dashboard") + "?" + urlencode(frames.filters.params())
    describe = []
    if frames.filters.year_group is not None:
        describe.append(codes.year_group_label(frames.filters.year_group))
    if frames.filters.subject_id is not None:
        describe.append(frames.subject_name(frames.filters.subject_id))
    chosen = characteristic(frames.filters.group) if frames.filters.group else None
    if chosen:
        describe.append(chosen.label)
    if drill.statuses:
        describe.append(" or ".join(STATUS_LABELS[s] for s in drill.statuses))
    if drill.ks:
        describe.append(
            f"from {drill.ks}"
            + (f", {drill.bucket} levels" if drill.bucket else "")
            + (f", {drill.start} → {drill.end}" if drill.start else "")
        )
    context = {"table": table, "frames": frames, "back": back, "describe": describe, "names": True}
    return render(request, "targets/dashboard/pupils.html", context)


@school_view(*DASHBOARD_CAPS)
def dashboard_export(request: HttpRequest):
    """CSV/XLSX of one table with the page's filters and scoping (a SIP's exports never carry names)."""
    access = request.access
    fmt = request.GET.get("format", "csv")
    key = request.GET.get("table", "")
    if key == "pupils":
        if access.aggregates_only:
            raise PermissionDenied("Your role shows figures only, not pupils.")
        frames, _groups = _load(request, detail=True)
        table = drill_down(frames, _drill(request))
    else:
        frames, _groups = _load(request)
        frames.threshold = access.school.small_count_threshold  # an export leaves the building, whoever takes it
        tables, _levels = _tables(frames, access.school, only=key)
        table = tables.get(key)
        if table is None:
            raise Http404("No such table.")
    name = f"{access.school.name} {table.title}"
    return table_response(fmt, name, table.export_headers, table.export_rows)


def _dashboard_schools(access) -> list:
    """The schools of the user's where they hold a whole-school dashboard role (one query)."""
    roles: dict[int, set] = {}
    for school_id, role in Membership.objects.filter(user=access.user, is_active=True).values_list("school_id", "role"):
        roles.setdefault(school_id, set()).add(role)
    return [s for s in access.schools if Cap.DASHBOARD_SCHOOL in capabilities_for(roles.get(s.pk, ()))]


@school_view(Cap.DASHBOARD_SCHOOL)
def trust_dashboard(request: HttpRequest):
    """The latest position school by school for a user working in several schools: aggregates only, no
    names, from one GROUP BY query (memberships 1 + aggregate 1)."""
    schools = _dashboard_schools(request.access)
    frame = trust_frame(load_trust_counts([s.pk for s in schools]))
    table = trust_table(schools, frame)
    fmt = request.GET.get("format")
    if fmt:
        return table_response(fmt, f"Trust {table.title}", table.export_headers, table.export_rows)
    base = reverse("targets:trust_dashboard")
    table.extra["exports"] = [(label, f"{base}?format={fmt}") for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"))]
    per_school = [
        {
            "school": school,
            "rows": [r for r, sid in zip(table.rows, table.extra["school_ids"], strict=True) if sid == school.pk],
        }
        for school in schools
    ]
    return render(
        request, "targets/dashboard/trust.html", {"table": table, "per_school": per_school, "schools": schools}
    )
