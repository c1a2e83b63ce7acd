"""Menu and home-page links for the progress dashboards."""

from schoolpl.nav import item
from schoolpl.roles import Cap

NAV_ITEMS = [
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
