"""Who may open the academic year rollover pages (see tests/access.py): senior leaders and school admins."""

from pupils.models import RolloverRun
from tests.access import page

YEAR_MANAGERS = {"leader", "admin"}


def build_world(w):
    year = w["year"]
    w["rollover_run"] = RolloverRun.objects.create(
        school=year.school, from_year=year, to_year_name="2026/27", status=RolloverRun.Status.FAILED, error="test"
    )


EXPECTATIONS = {
    "pupils:rollover": page(YEAR_MANAGERS),
    "pupils:rollover_run": page(YEAR_MANAGERS, kwargs=lambda w: {"pk": w["rollover_run"].pk}),
}
