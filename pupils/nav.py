from schoolpl.nav import item
from schoolpl.roles import Cap

NAV_ITEMS = [
    item(
        "Pupils",
        "pupils:list",
        Cap.VIEW_PUPILS_ALL,
        Cap.VIEW_PUPILS_OWN,
        description="Find a pupil by name or UPN, filter by year, group or need, open a profile, export a list.",
        section="Pupils",
        order=100,
    ),
    item(
        "Teaching groups",
        "pupils:groups",
        Cap.VIEW_PUPILS_ALL,
        Cap.VIEW_PUPILS_OWN,
        description="Classes and sets by subject and year, with their teachers and members over time.",
        section="Pupils",
        order=110,
    ),
    item(
        "Import pupils",
        "pupils:import",
        Cap.MANAGE_PUPILS,
        description="Add or update pupils from a CSV or XLSX export of your MIS, checked row by row before saving.",
        section="Administration",
        order=800,
        in_menu=False,
    ),
    item(
        "Import a CTF",
        "pupils:import_ctf",
        Cap.MANAGE_PUPILS,
        description="Bring in joining pupils' details, SEN and key stage results from a Common Transfer File.",
        section="Administration",
        order=810,
        in_menu=False,
    ),
    item(
        "Move up to the new school year",
        "pupils:rollover",
        Cap.MANAGE_SCHOOL_YEAR,
        description="Once a year: preview and run the rollover — every pupil moves up, the top year leave, "
        "this year's teaching groups and assessment windows are made.",
        section="Administration",
        order=820,
        in_menu=False,
    ),
]
