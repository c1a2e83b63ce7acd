"""Every existing school gets the P-scale defaults (DESIGN §3): the National Strategies' points (P1(i)–P3(ii)
0.5–1.75 in quarter points, P4 2, P5 3, P6 4, P7 5, P8 6), expected progress at the national median, behind
one P-scale step below the line and well behind two. A school whose points are missing or not a full list of
eleven numbers gets the default points; the other P-scale settings are only filled where empty."""

from django.db import migrations

DEFAULT_POINTS = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 3.0, 4.0, 5.0, 6.0]


def _valid(points) -> bool:
    return (
        isinstance(points, list)
        and len(points) == len(DEFAULT_POINTS)
        and all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in points)
        and all(b > a for a, b in zip(points, points[1:], strict=False))
    )


def forwards(apps, schema_editor):
    TargetSettings = apps.get_model("targets", "TargetSettings")
    for row in TargetSettings.objects.all().only("pk", "pscale_points", "pscale_quartile"):
        changed = []
        if not _valid(row.pscale_points):
            row.pscale_points = list(DEFAULT_POINTS)
            changed.append("pscale_points")
        if row.pscale_quartile not in (25, 50, 75):
            row.pscale_quartile = 50
            changed.append("pscale_quartile")
        if changed:
            row.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("targets", "0010_pscale_settings")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
