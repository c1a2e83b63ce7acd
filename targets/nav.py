"""Menu and home-page links for targets and its progress dashboards."""

from schoolpl.nav import item
from schoolpl.roles import Cap

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
    item(
        "Progress dashboard",
        "targets:dashboard",
        Cap.DASHBOARD_SCHOOL,
        Cap.DASHBOARD_OWN,
        description="Who is ahead, on track, behind or stuck, group gaps, levels of progress and trends.",
        section="Progress",
        order=300,
    ),
    item(
        "Schools compared",
        "targets:trust_dashboard",
        Cap.DASHBOARD_SCHOOL,
        description="The latest progress figures for each of your schools side by side.",
        section="Progress",
        order=310,
        in_menu=False,
    ),
]
