from schoolpl.nav import item
from schoolpl.roles import Cap

NAV_ITEMS = [
    item(
        "Self-review",
        "selfreview:review_list",
        Cap.SELFREVIEW_READ,
        Cap.SELFREVIEW_EDIT,
        description="Rate the school against the nine features of personalised learning and set priorities.",
        section="School improvement",
        order=700,
    ),
    item(
        "Lesson observations",
        "selfreview:observation_list",
        Cap.VIEW_PUPILS_ALL,
        Cap.VIEW_PUPILS_OWN,
        description="Lesson observations and learning walks: leaders record them; teachers read those of their"
        " own classes.",
        section="School improvement",
        order=710,
    ),
    item(
        "Teaching observed: summary",
        "selfreview:observation_summary",
        Cap.DASHBOARD_SCHOOL,
        description="How many observations and learning walks looked at each focus, and the share judged secure.",
        section="School improvement",
        order=720,
    ),
]
