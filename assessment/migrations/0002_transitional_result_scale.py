"""Transitional results name the scale their points are on (issue 14). Results with points were on their
subject's scale; a post-2014 result kept without points (EXS, a scaled score) gets points on its own scale."""

from django.db import migrations, models

from pupils.ctf.results import FRAMEWORKS, read_result


def _own_points(framework: str, label: str) -> float:
    """Points on a post-2014 scale as ``assessment.scales`` gives them: the score, or the code's place (1, 2 …)."""
    codes = [code for code, _ in FRAMEWORKS[framework].codes]
    return float(codes.index(label) + 1) if codes else float(label)


def name_scales(apps, schema_editor):
    result_model = apps.get_model("assessment", "TransitionalResult")
    changed = []
    for row in result_model.objects.select_related("subject").filter(scale=""):
        if row.points is not None:
            row.scale = row.subject.scale_code
        else:
            reading = read_result(row.key_stage, row.grade, subject=row.subject.code, method=row.method, year=row.year)
            if reading.framework is None or reading.label is None:
                continue
            row.scale, row.points = reading.framework, _own_points(reading.framework, reading.label)
        changed.append(row)
    result_model.objects.bulk_update(changed, ["scale", "points"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaltransitionalresult",
            name="scale",
            field=models.CharField(
                blank=True, help_text="The code of the scale the points are on; blank when there are none.", max_length=40
            ),
        ),
        migrations.AddField(
            model_name="transitionalresult",
            name="scale",
            field=models.CharField(
                blank=True, help_text="The code of the scale the points are on; blank when there are none.", max_length=40
            ),
        ),
        migrations.RunPython(name_scales, migrations.RunPython.noop),
    ]
