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
]
