"""Children's data rights (UK GDPR; the school is the data controller): a subject access export of everything
the product holds about one pupil, and the anonymising of leavers kept past the school's retention period.

Nothing here imports an app (schoolpl is the lowest layer): the pupils' models are looked up by name, and
"everything about a pupil" is every model of the project that points at the pupil (``Pupil``'s relations,
hidden ones included) and every model that points at one of those (a target's reviews, a place's judgements),
so a model added later joins the export without a change here. History comes from ``schoolpl.audit``.
Nothing is ever deleted: anonymising overwrites the identifiers of the pupil (and of their contacts, in the
record and in its history rows) and keeps every judgement, target and intervention for the school's figures.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import audit
from .exports import csv_bytes
from .history import changed_by, show

ANON_UPN_PREFIX = "ANON"  # a real UPN starts with a letter and has 12 digits after it: never "ANON…"
ANON_SURNAME = "Anonymised"
ANON_CONTACT = "Anonymised contact"


class RetentionRefused(ValueError):
    """The pupil may not be anonymised (still on roll, within the retention period, or done already)."""


def pupil_model():
    return apps.get_model("pupils", "Pupil")


def _project_model(model) -> bool:
    app = model._meta.app_config.name
    return app in settings.PROJECT_APPS and not hasattr(model, "instance_type")  # not a history table


def _relations(model) -> list[models.ForeignObjectRel]:
    return [
        r
        for r in model._meta.get_fields(include_hidden=True)
        if isinstance(r, models.ForeignObjectRel) and _project_model(r.related_model)
    ]


@dataclass
class Table:
    name: str
    headers: list[str]
    rows: list[list[str]]


def _table(name: str, model, queryset) -> Table:
    fields = list(model._meta.concrete_fields)
    related = [f.name for f in fields if f.is_relation]
    headers = [str(f.verbose_name) for f in fields]
    rows = []
    for obj in queryset.select_related(*related):
        row = []
        for f in fields:
            value = getattr(obj, f.name)
            if f.choices and not f.is_relation:
                value = getattr(obj, f"get_{f.name}_display")()
            row.append(show(value))
        rows.append(row)
    return Table(name, headers, rows)


def pupil_tables(pupil) -> list[Table]:
    """Every record about ``pupil``: the pupil record, then each model pointing at it, then each pointing at
    one of those. One query per model (and its foreign keys' names)."""
    model = type(pupil)
    tables = [_table("pupil", model, model.objects.filter(pk=pupil.pk))]
    seen = {model}
    for rel in _relations(model):
        first: Any = rel.related_model
        if rel.many_to_many:
            name = f"{first._meta.model_name}_{rel.field.name}"
            tables.append(_table(name, first, first._default_manager.filter(**{rel.field.name: pupil})))
            continue
        lookup = {rel.field.name: pupil}
        tables.append(_table(first._meta.model_name, first, first._default_manager.filter(**lookup)))
        seen.add(first)
        for inner in _relations(first):
            second: Any = inner.related_model
            if second in seen or inner.many_to_many:
                continue
            path = {f"{inner.field.name}__{rel.field.name}": pupil}
            tables.append(
                _table(
                    f"{first._meta.model_name}_{second._meta.model_name}",
                    second,
                    second._default_manager.filter(**path),
                )
            )
    return tables


README = """Subject access export
=====================

School: {school} (the data controller)
Pupil: {pupil} (record number {pk})
Produced: {when} by {who}
Request: {request}

This archive holds everything {product} stores about the pupil, as CSV files (UTF-8, one row per record,
first row the column names) that open in a spreadsheet:

{files}

history.csv lists every recorded change to the pupil's records: when, who made it, what it was before and after.
Records about other pupils are not included. Staff are named where they recorded or changed something.
"""


def subject_access_zip(access, pupil, user, request_note: str) -> bytes:
    """The ZIP for one pupil: a README and one CSV per kind of record, with the history."""
    tables = [t for t in pupil_tables(pupil) if t.rows]
    page = audit.audit_page(access, audit.Filters(pupil_id=pupil.pk), per_page=audit.EXPORT_LIMIT)
    history = Table(
        "history",
        ["When", "Changed by", "Kind", "Record", "Change", "What changed"],
        [
            [show(timezone.localtime(e.when)), e.who, e.kind_label, e.what, e.action, e.summary]
            for e in page.object_list
        ],
    )
    tables.append(history)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for t in tables:
            archive.writestr(f"{t.name}.csv", csv_bytes(t.headers, t.rows))
        archive.writestr(
            "README.txt",
            README.format(
                school=access.school.name,
                pupil=pupil.display_name,
                pk=pupil.pk,
                when=show(timezone.localtime()),
                who=user.display_name,
                request=request_note or "—",
                product="the school's pupil tracker",
                files="\n".join(f"- {t.name}.csv: {len(t.rows)} row(s)" for t in tables),
            ),
        )
    return buffer.getvalue()


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def retention_cutoff(school, today: dt.date | None = None) -> dt.date:
    """Leavers born on or before this day have reached the school's retention age."""
    return _years_before(today or timezone.localdate(), school.leaver_retention_age)


def is_anonymised(pupil) -> bool:
    return pupil.upn.startswith(ANON_UPN_PREFIX)


def retention_due(school, today: dt.date | None = None):
    """Archived leavers past the retention age, not yet anonymised (one query)."""
    return (
        pupil_model()
        .objects.filter(school=school, archived_at__isnull=False, date_of_birth__lte=retention_cutoff(school, today))
        .exclude(upn__startswith=ANON_UPN_PREFIX)
        .order_by("leaving_date", "pk")
    )


def _refusal(pupil, today: dt.date | None) -> str:
    if is_anonymised(pupil):
        return "This record has already been anonymised."
    if pupil.archived_at is None:
        return "This pupil is still on roll: only archived leavers can be anonymised."
    if pupil.date_of_birth > retention_cutoff(pupil.school, today):
        return (
            f"This leaver's record is within the school's retention period (kept until the pupil is "
            f"{pupil.school.leaver_retention_age})."
        )
    return ""


def anonymise(access, pupil, user, today: dt.date | None = None) -> None:
    """Overwrite the leaver's identifiers (names, UPN, date of birth, form; their contacts' names and email
    addresses), in the record and in its history rows, keeping every other record; audited; all or nothing.
    ``RetentionRefused`` for a pupil on roll, within retention or done already."""
    why = _refusal(pupil, today)
    if why:
        raise RetentionRefused(why)
    model = type(pupil)
    placeholders = {
        "upn": f"{ANON_UPN_PREFIX}{pupil.pk:09d}",
        "legal_surname": ANON_SURNAME,
        "legal_forename": f"Pupil {pupil.pk}",
        "preferred_surname": "",
        "preferred_forename": "",
        "date_of_birth": dt.date(pupil.date_of_birth.year, 1, 1),  # the year only, for cohort figures
        "form": "",
    }
    contact_model = apps.get_model("pupils", "Contact")
    with transaction.atomic():
        model.history.filter(id=pupil.pk).update(**placeholders)
        for name, value in placeholders.items():
            setattr(pupil, name, value)
        changed_by(pupil, user)
        pupil.save()
        contacts = contact_model.objects.filter(pupil=pupil)
        count = contacts.count()
        contact_model.history.filter(pupil_id=pupil.pk).update(name=ANON_CONTACT, email="")
        for contact in contacts:
            contact.name, contact.email = ANON_CONTACT, ""
            changed_by(contact, user)
            contact.save()
        audit.record(
            access,
            user,
            "Anonymised the record of a leaver past the retention period",
            pupil_id=pupil.pk,
            changes=[
                ("Names, UPN and form", "(removed)", "placeholders"),
                ("Date of birth", "(removed)", "1 January of the year of birth"),
                ("Contacts' names and email addresses", "(removed)", f"placeholders ({count})"),
                ("Judgements, targets, interventions", "kept", "kept"),
            ],
        )
