"""``manage.py import_pupils FILE [--school URN|LLL/EEEE|id] [--dry-run]``: the page's import, from a shell."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pupils import services
from pupils.importing import ImportFileError, default_mapping, read_table, validate_rows
from schoolpl.models import School


def find_school(value: str | None) -> School:
    schools = School.objects.all()
    if not value:
        if schools.count() != 1:
            raise CommandError("Say which school with --school (URN, LA/establishment number such as 801/2001, or id).")
        return schools.get()
    value = value.strip()
    if "/" in value:
        la, _, estab = value.partition("/")
        found = schools.filter(la_code=la, estab=estab).first()
    else:
        found = schools.filter(urn=value).first() or (schools.filter(pk=value).first() if value.isdigit() else None)
    if found is None:
        raise CommandError(f"No school matches {value!r}.")
    return found


class Command(BaseCommand):
    help = "Import pupils from a CSV or XLSX MIS export: all rows or none; pupils are matched by UPN."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", help="URN, LA/establishment number (801/2001) or id of the school")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; save nothing")

    def handle(self, *args, file: Path, school: str | None, dry_run: bool, **options):
        target = find_school(school)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            headers, rows = read_table(data, file.name)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        mapping = default_mapping(headers)
        result = validate_rows(rows, mapping, headers=headers, today=timezone.localdate())
        # No way to confirm an identity correction here: a conflicting UPN stops the import (use the page).
        plan = services.pupil_import_plan(
            school=target, records=result.records, record_rows=result.record_rows, columns=mapping
        )
        errors = sorted(result.errors + plan.errors, key=lambda e: e.row)
        for error in errors:
            self.stderr.write(str(error))
        if errors:
            raise CommandError(f"{len(errors)} problem(s) found; nothing was imported.")
        if dry_run:
            self.stdout.write(
                f"Dry run for {target.name}: would add {len(plan.create)}, update {len(plan.update)}, "
                f"leave {plan.unchanged} unchanged. Nothing was saved."
            )
            for change in plan.changes:
                self.stdout.write(f"  {change.upn}: {'; '.join(change.described())}")
            return
        outcome = services.pupil_import_commit(
            school=target, records=result.records, record_rows=result.record_rows, columns=mapping
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{target.name}: {outcome.created} added, {outcome.updated} updated, {outcome.unchanged} unchanged."
            )
        )
        for change in outcome.changes:
            self.stdout.write(f"  {change.upn}: {'; '.join(change.described())}")
