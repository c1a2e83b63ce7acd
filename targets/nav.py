"""Menu and home-page links for targets."""

from schoolpl.nav import item
from schoolpl.roles import Cap

from .nav_dashboard import NAV_ITEMS as DASHBOARD_NAV_ITEMS

NAV_ITEMS = [
    item(
        "Curricular targets",
        "targets:curricular_list",
        Cap.EDIT_TARGETS_OWN,
        Cap.EDIT_TARGETS_ALL,
        Cap.READ_TARGETS_ALL,
        description="Whole-school targets, followed down through years, classes and groups to pupils.",
        section="Targets",
        order=250,
    ),
    item(
        "Notifications",
        "targets:notifications",
        description="Pupils newly behind, well behind or stuck.",
        section="Targets",
        order=260,
        in_menu=False,
    ),
    item(
        "Target settings",
        "targets:settings",
        Cap.EDIT_TARGETS_ALL,
        description="The ambition policy that proposes targets, and when a pupil counts as behind.",
        section="Targets",
        order=270,
        in_menu=False,
    ),
    *DASHBOARD_NAV_ITEMS,  # one nav hook per app: the dashboards' pages are folded in here
]
