"""A pupil's curricular target names the numeric target it serves (``CurricularTarget.serves``; see
``targets.chain``). Existing active pupil targets with a subject are linked to the pupil's current numeric
target in that subject, the link a teacher would be offered on the form; the rest stay unlinked."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def link_current(apps, schema_editor):
    CurricularTarget = apps.get_model("targets", "CurricularTarget")
    PupilTarget = apps.get_model("targets", "PupilTarget")
    current = PupilTarget.objects.filter(
        pupil_id=OuterRef("pupil_id"), subject_id=OuterRef("subject_id"), status__in=["proposed", "active"]
    ).values("pk")[:1]
    CurricularTarget.objects.filter(
        level="pupil", status="active", serves__isnull=True, subject__isnull=False, pupil__isnull=False
    ).update(serves=Subquery(current))


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0011_pscale_defaults_for_existing_schools"),
    ]

    operations = [
        migrations.AddField(
            model_name="curriculartarget",
            name="serves",
            field=models.ForeignKey(
                blank=True,
                help_text="For a pupil's target: the pupil's numeric target in the subject that it serves.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="curricular_targets",
                to="targets.pupiltarget",
            ),
        ),
        migrations.AddField(
            model_name="historicalcurriculartarget",
            name="serves",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="For a pupil's target: the pupil's numeric target in the subject that it serves.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="targets.pupiltarget",
            ),
        ),
        migrations.RunPython(link_current, migrations.RunPython.noop),
    ]
