from schoolpl.nav import item
from schoolpl.roles import Cap

NAV_ITEMS = [
    item(
        "Assessment grid",
        "assessment:grid",
        Cap.RECORD_ASSESSMENT_OWN,
        Cap.RECORD_ASSESSMENT_ALL,
        Cap.VIEW_PUPILS_ALL,
        description="Record periodic judgements by assessment focus for a class, cell by cell, from the keyboard.",
        section="Assessment",
        order=200,
    ),
    item(
        "Heat map and shared weaknesses",
        "assessment:heat_map",
        Cap.RECORD_ASSESSMENT_OWN,
        Cap.RECORD_ASSESSMENT_ALL,
        Cap.VIEW_PUPILS_ALL,
        description="Where a class sits below its overall level, focus by focus: the basis for group targets.",
        section="Assessment",
        order=210,
        in_menu=False,
    ),
    item(
        "Transitional results",
        "assessment:transitional",
        Cap.RECORD_ASSESSMENT_ALL,
        Cap.MANAGE_PUPILS,
        description="End of key stage results, the baselines for progress: from CTF, a spreadsheet or by hand.",
        section="Assessment",
        order=220,
        in_menu=False,
    ),
    item(
        "Frameworks and scales",
        "assessment:frameworks",
        description="Subjects, assessment focuses, criteria statements by level, and every scale with its points.",
        section="Assessment",
        order=230,
        in_menu=False,
    ),
    item(
        "Scales",
        "assessment:scales",
        Cap.MANAGE_FRAMEWORKS,
        description="Every scale explained with its points, the school's own scales (assessment without levels) "
        "and the scale each subject is judged on.",
        section="Assessment",
        order=235,
        in_menu=False,
    ),
]
