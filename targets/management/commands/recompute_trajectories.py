"""``manage.py recompute_trajectories [--school ID]``: the nightly recompute, run by hand (same code)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from schoolpl.models import School
from targets.services import progress_recompute


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
        for s in schools:
            result = progress_recompute(school_id=s.pk)
            self.stdout.write(
                f"{s.name}: {result.rows} statuses ({result.written} written, {result.deleted} removed), "
                f"{result.notified} notifications"
            )
