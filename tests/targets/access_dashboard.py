"""Who may open the progress dashboards (issue 6)."""

from tests.access import page
from tests.targets.dashboard_factories import build_small_school

DASHBOARD = {"teacher", "senco", "leader", "sip", "admin"}
NAMED = {"teacher", "senco", "leader", "admin"}  # a SIP sees figures only: no lists of pupils
WHOLE_SCHOOL = {"senco", "leader", "sip", "admin"}


def build_world(w):
    w["dashboard"] = build_small_school(w["school"], teacher=w["teacher"])


# fsm: where FSM status shows to those who may see it (the FSM-visibility column, tests/access.py).
EXPECTATIONS = {
    "targets:dashboard": page(DASHBOARD, fsm="?group=fsm"),
    "targets:dashboard_pupils": page(NAMED, query="?status=stuck", fsm="?group=fsm&status=stuck"),
    "targets:dashboard_export": page(DASHBOARD, query="?table=overview&format=csv", fsm="?table=gaps&format=csv"),
    "targets:trust_dashboard": page(WHOLE_SCHOOL),
}
