"""The role-aware menu and home page.

Each app lists its pages in ``<app>/nav.py`` as ``NAV_ITEMS`` (the ``nav`` hook of ``schoolpl.hooks``; the
items below are schoolpl's own); a page shows only to users holding one of its capabilities, or to every
signed-in member of the school when it names none, so the home page links only to features that exist and
that the user may open. Other apps add blocks to the home page and the pupil profile through the ``panels``
hook (``panels`` below).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.urls import reverse

from .discovery import app_modules
from .hooks import hook
from .roles import Cap


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    caps: frozenset[Cap]
    description: str = ""
    section: str = "School"
    order: int = 100
    in_menu: bool = True


def item(label: str, url_name: str, *caps: Cap, **kwargs) -> NavItem:
    return NavItem(label=label, url_name=url_name, caps=frozenset(caps), **kwargs)


NAV_ITEMS = [
    item(
        "School settings",
        "school_settings",
        Cap.MANAGE_SCHOOL,
        description="Name, phase and whether staff must use an authenticator app.",
        section="Administration",
        order=900,
    ),
    item(
        "Terms and assessment windows",
        "calendar",
        Cap.MANAGE_SCHOOL,
        description="Academic years and the windows in which periodic assessments are made.",
        section="Administration",
        order=910,
    ),
    item(
        "Staff",
        "staff_list",
        Cap.MANAGE_STAFF,
        description="Invite staff, give and remove roles, teaching groups and tutees, leavers, authenticator"
        " resets and the MIS staff import.",
        section="Administration",
        order=905,
    ),
    item(
        "Background tasks",
        "outbox",
        Cap.MANAGE_SCHOOL,
        description="Work the system could not hand to its background worker (such as recalculating progress),"
        " with a button to try again.",
        section="Administration",
        order=920,
        in_menu=False,
    ),
    item(
        "Audit log",
        "audit_log",
        Cap.RECORD_ASSESSMENT_ALL,
        Cap.MANAGE_SCHOOL,
        description="Who changed what and when across the school, with sign-ins, imports and role changes.",
        section="Administration",
        order=930,
    ),
    item(
        "Leavers' records past retention",
        "retention",
        Cap.RECORD_ASSESSMENT_ALL,
        Cap.MANAGE_SCHOOL,
        description="Archived leavers kept beyond the school's retention period, to anonymise.",
        section="Administration",
        order=940,
        in_menu=False,
    ),
]


@cache
def all_items() -> tuple[NavItem, ...]:
    items: list[NavItem] = []
    for module in app_modules("nav"):
        items.extend(module.NAV_ITEMS)
    return tuple(sorted(items, key=lambda i: (i.order, i.label)))


def items_for(access) -> list[NavItem]:
    if access is None:
        return []
    return [i for i in all_items() if not i.caps or access.can(*i.caps)]


def home_sections(request) -> list[tuple[str, list[dict]]]:
    sections: dict[str, list[dict]] = {}
    for nav in items_for(request.access):
        sections.setdefault(nav.section, []).append(
            {"label": nav.label, "url": reverse(nav.url_name), "description": nav.description}
        )
    return list(sections.items())


@dataclass(frozen=True)
class Panel:
    """A block of a page supplied by another app: ``template`` is rendered with ``panel`` in its context."""

    title: str
    template: str
    context: dict
    order: int = 100


def panels(kind: str, request, **kwargs) -> list[Panel]:
    """Collect ``kind`` panels (``home_panels`` or ``pupil_panels``, as listed for the ``panels`` hook in
    ``schoolpl.hooks``; ``KeyError`` for any other) from every app's ``panels.py``.

    A panel appears only once the app that supplies it exists: pages never show empty placeholders.
    Each provider is ``def <kind>(request, **kwargs) -> list[Panel]`` and must run a constant number of
    queries.
    """
    if kind not in hook("panels").provides:
        raise KeyError(f"{kind!r} is not a kind of panel: {', '.join(hook('panels').provides)}")
    found: list[Panel] = []
    for module in app_modules("panels"):
        provider = getattr(module, kind, None)
        if provider is not None:
            found.extend(provider(request, **kwargs))
    return sorted(found, key=lambda p: (p.order, p.title))
