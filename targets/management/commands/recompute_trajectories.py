"""``manage.py recompute_trajectories [--school ID]``: the nightly recompute, run by hand (same code)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from schoolpl.models import School
from targets.recompute import progress_recompute_schools, school_batches


class Command(BaseCommand):
    help = "Recompute every pupil's progress status against their trajectory (one school or all)."

    def add_arguments(self, parser):
        parser.add_argument("--school", type=int, help="Only this school (its id).")

    def handle(self, *args, school=None, **options):
        schools = School.objects.order_by("pk")
        if school is not None:
            schools = schools.filter(pk=school)
            if not schools.exists():
                raise CommandError(f"There is no school with id {school}.")
        names = dict(schools.values_list("pk", "name"))
        for batch in school_batches(list(names)):
            for result in progress_recompute_schools(batch):
                detail = (
                    "unchanged"
                    if result.unchanged
                    else f"{result.written} written, {result.deleted} removed, {result.notified} notifications"
                )
                self.stdout.write(f"{names[result.school_id]}: {result.rows} statuses ({detail})")
