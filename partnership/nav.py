from schoolpl.nav import item
from schoolpl.roles import Cap

# Where pupil and parent (portal) accounts land when they open the home page (read by ``schoolpl.views.home``).
PORTAL_HOME = "partnership:portal"

NAV_ITEMS = [
    item(
        "Progress reviews",
        "partnership:reviews",
        Cap.VIEW_PUPILS_OWN,
        Cap.VIEW_PUPILS_ALL,
        description="Half-termly reviews with each pupil's personal tutor: who is due or overdue.",
        section="Pupils and parents",
        order=400,
    ),
    item(
        "Reports to parents",
        "partnership:reports",
        Cap.VIEW_PUPILS_ALL,
        description="Write, release and send termly progress reports in plain language.",
        section="Pupils and parents",
        order=410,
    ),
    item(
        "Referrals from tutors",
        "partnership:referrals",
        Cap.EDIT_INTERVENTIONS,
        description="Pupils a personal tutor referred to the SENCO after a review.",
        section="Pupils and parents",
        order=420,
        in_menu=False,
    ),
    item(
        "Pupil and parent portal",
        "partnership:portal_settings",
        Cap.MANAGE_SCHOOL,
        description="Let pupils and parents sign in to see their own targets and reports.",
        section="Administration",
        order=930,
    ),
]
NAV_ITEMS += [
    item(
        "Clubs and activities",
        "partnership:activities",
        Cap.VIEW_PUPILS_OWN,
        Cap.VIEW_PUPILS_ALL,
        description="Clubs, trips, study support and family learning, with their registers.",
        section="Pupils and parents",
        order=430,
    ),
    item(
        "Who takes part in activities",
        "partnership:activities_summary",
        Cap.DASHBOARD_SCHOOL,
        description="Figures only: activities held and who attends them, by group.",
        section="Pupils and parents",
        order=431,
    ),
]
NAV_ITEMS += [
    item(
        "Pupil and parent voice",
        "partnership:voice",
        Cap.DASHBOARD_SCHOOL,
        Cap.SELFREVIEW_READ,
        description="Short surveys of pupils and parents, and what they said, by group.",
        section="Pupils and parents",
        order=440,
    ),
]
