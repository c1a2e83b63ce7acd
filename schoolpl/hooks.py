"""Every hook kind, listed once: what an app provides in ``<app>/<kind>.py``, with what signature, and who reads it.

A lower app may not import a higher one (schoolpl ← pupils ← assessment ← targets ← interventions ←
partnership), and ``schoolpl`` imports no app at all. Where a lower app's page or job needs what higher apps
have to say (their menu items, their panels on the pupil profile, their evidence for the self-review), each
higher app provides it in a module named after the hook kind, and the lower one collects them through
``schoolpl.discovery.app_modules(kind)`` — which accepts only the kinds below, and finds only ``<app>/<kind>.py``
(one module per app and kind: an app with several features folds them into that module).

``tests/schoolpl/test_hooks.py`` checks every provider against this registry.
"""

from __future__ import annotations

from dataclasses import dataclass


class UnknownHook(KeyError):
    """A hook kind that is not in ``HOOKS``."""

    def __str__(self) -> str:
        return f"{self.args[0]!r} is not a hook kind; the kinds are listed in schoolpl/hooks.py: {', '.join(HOOKS)}"


@dataclass(frozen=True)
class Hook:
    """One hook kind.

    ``provides``: the names a provider module defines (every one of them, or with ``any_of`` at least one).
    ``signature``: what each of those names must be. ``consumers``: the code that collects the providers.
    ``framework``: a module named like a provider (``schoolpl/<kind>.py``) that defines the kind rather than
    provides it, and is skipped. ``why``: for a kind with a single provider, why it is a hook rather than an
    import.
    """

    kind: str
    provides: tuple[str, ...]
    signature: str
    purpose: str
    consumers: tuple[str, ...]
    any_of: bool = False
    framework: str = ""
    why: str = ""

    @property
    def module(self) -> str:
        """Where a provider lives, ``app`` standing for each app in ``settings.PROJECT_APPS``."""
        return f"<app>/{self.kind}.py"


def _registry(*hooks: Hook) -> dict[str, Hook]:
    return {h.kind: h for h in hooks}


#: The events of ``schoolpl.events.publish``: a subscriber defines a function of the event's name.
EVENTS = ("judgements_changed", "targets_changed")

HOOKS: dict[str, Hook] = _registry(
    Hook(
        kind="nav",
        provides=("NAV_ITEMS",),
        signature="NAV_ITEMS: list[schoolpl.nav.NavItem]; optionally PORTAL_HOME: str (the URL name where pupil"
        " and parent accounts land)",
        purpose="The app's pages in the menu and on the home page, each shown only to holders of its capabilities"
        " (schoolpl's own administration pages included); the portal's landing page.",
        consumers=("schoolpl.nav.all_items", "schoolpl.views.portal_home"),
    ),
    Hook(
        kind="panels",
        provides=("home_panels", "pupil_panels"),
        any_of=True,
        signature="def home_panels(request, **kwargs) -> list[schoolpl.nav.Panel];"
        " def pupil_panels(request, pupil, **kwargs) -> list[schoolpl.nav.Panel] (a constant number of queries)",
        purpose="Blocks another app shows on the home page and the pupil profile.",
        consumers=("schoolpl.nav.panels (schoolpl.views.home, pupils.views.roll.pupil_detail)",),
    ),
    Hook(
        kind="evidence",
        provides=("evidence",),
        signature="def evidence(school, start: date, end: date) -> list[schoolpl.evidence.Evidence]"
        " (aggregates only, no pupil names)",
        purpose="Figures from the app's data for the self-review annex items.",
        consumers=("schoolpl.evidence.collect (selfreview)",),
        framework="schoolpl.evidence",
    ),
    Hook(
        kind="history",
        provides=("history_sources",),
        signature="def history_sources(access, *, pupils: QuerySet, group=None)"
        " -> list[schoolpl.history.HistorySource] (querysets and formatters: the provider runs no query)",
        purpose="The app's audited records in the audit trail of a pupil or a teaching group.",
        consumers=("schoolpl.history.sources_for (pupils.views.history)",),
        framework="schoolpl.history",
    ),
    Hook(
        kind="api",
        provides=("register",),
        signature="def register(router: rest_framework.routers.DefaultRouter) -> None",
        purpose="The app's viewsets under /api/v1/.",
        consumers=("schoolpl.api.build_router (schoolpl.urls)",),
        framework="schoolpl.api",
    ),
    Hook(
        kind="demo",
        provides=("build",),
        signature="def build(ctx: schoolpl.demo.DemoContext) -> None; optionally LOGINS: list[tuple[str, str, str]]",
        purpose="The app's part of the demo school (demo code only: production code never imports it).",
        consumers=("schoolpl.management.commands.seed_demo",),
    ),
    Hook(
        kind="bench",
        provides=("run",),
        signature="def run(bench: schoolpl.bench.Bench) -> None",
        purpose="The app's timings for `make bench`.",
        consumers=("schoolpl.bench.main",),
        framework="schoolpl.bench",
    ),
    Hook(
        kind="subscribers",
        provides=EVENTS,
        any_of=True,
        signature="def <event>(*, school_id: int, pupil_ids: list[int], subject_ids: list[int] | None = None, **_)"
        " -> None (runs in the publisher's transaction: cheap work only, such as schoolpl.outbox.enqueue)",
        purpose="Reacting to another app's change, e.g. recomputing a pupil's trajectory when a judgement changes.",
        consumers=("schoolpl.events.publish (assessment.services, targets.services)",),
        why="One provider (targets.subscribers), but the publishers are assessment and targets, and the"
        " dispatcher is schoolpl.events: schoolpl (the lowest layer) may not import targets, and assessment"
        " may not either, so the event stays a hook.",
    ),
    Hook(
        kind="coverage",
        provides=("provision_for", "provisions_serving"),
        signature="def provision_for(school, pupil_ids, on: date | None = None) -> dict[int, str]"
        ' ({pupil_id: "Wave 2: Reading catch-up"}, one query);'
        " def provisions_serving(school, target_ids) -> dict[int, list[str]]"
        ' ({curricular_target_id: ["Wave 2: Reading catch-up"]}, one query)',
        purpose="The wave 2/3 provision running for pupils, shown beside them on the progress dashboard; the"
        " provision serving each curricular target, at the end of the chain from a pupil's number to their words.",
        consumers=("targets.dashboard.views._provision", "targets.chain.provisions_serving"),
        why="One provider (interventions.coverage), but its consumer the dashboard is in targets, which sits"
        " below interventions and may not import it; without interventions the column is simply left out."
        " (Partnership sits above interventions and imports interventions.coverage directly.)",
    ),
    Hook(
        kind="flags",
        provides=("flags_for",),
        signature="def flags_for(school, subject, window, pupil_ids) -> dict[int, tuple[str, str]]"
        ' ({pupil_id: ("behind", "Behind: judged 3c in Spring 1 2026, …")}, one query)',
        purpose="Why each pupil of a class is flagged off trajectory at a window, beside them on the assessment grid.",
        consumers=("assessment.views.grid.grid",),
        why="One provider (targets.flags), but its consumer the grid is in assessment, which sits below targets"
        " and may not import it; without targets the grid simply shows no flags.",
    ),
    Hook(
        kind="grid_notes",
        provides=("notes_for",),
        signature="def notes_for(school, pupil_ids) -> dict[int, tuple[str, str]]"
        ' ({pupil_id: ("Passport", "/interventions/passports/pupils/12/")}, one query)',
        purpose="A short link beside a pupil's name on the assessment grid to something every teacher of the pupil"
        " should read (the pupil passport: what helps them and the adjustments they need).",
        consumers=("assessment.views.grid.grid",),
        why="One provider (interventions.grid_notes), but its consumer the grid is in assessment, which sits below"
        " interventions and may not import it; without interventions the grid simply shows no links.",
    ),
    Hook(
        kind="referrals",
        provides=("open_referrals",),
        signature="def open_referrals(school) -> Iterable[interventions.selectors.Referral]"
        " (every open referral to the SENCO, the most recent first for each pupil; one query)",
        purpose="Pupils referred to the SENCO from elsewhere (a personal tutor after a progress review), listed"
        " among the SENCO's wave 2/3 candidates.",
        consumers=("interventions.selectors.referred_pupils",),
        why="One provider (partnership.referrals), but the consumer is interventions, which sits below"
        " partnership and may not import it; the referral stays on the review (no table moved).",
    ),
)


def hook(kind: str) -> Hook:
    """The registered hook ``kind``; ``UnknownHook`` (a ``KeyError``) for any other name."""
    try:
        return HOOKS[kind]
    except KeyError:
        raise UnknownHook(kind) from None
