"""Schools still on the old flag defaults (behind by 1 point, stuck over 2 windows) move to the new ones
(behind by 2 points = one sub-level, stuck = no gain over 3 consecutive windows); customised schools keep
their settings. Two settings the new rule refuses are carried over with the same meaning: a stuck span of
1 window back (old meaning) is 2 windows now, and behind by 0 ("any gap below the line", old rule
``gap < 0``) is behind by 1 point (``gap <= -1``, the same on whole-point scales)."""

from django.db import migrations


def forwards(apps, schema_editor):
    TargetSettings = apps.get_model("targets", "TargetSettings")
    TargetSettings.objects.filter(behind_by=1.0, stuck_windows=2).update(behind_by=2.0, stuck_windows=3)
    TargetSettings.objects.filter(stuck_windows__lt=2).update(stuck_windows=2)
    TargetSettings.objects.filter(behind_by__lte=0).update(behind_by=1.0)


def backwards(apps, schema_editor):
    TargetSettings = apps.get_model("targets", "TargetSettings")
    TargetSettings.objects.filter(behind_by=2.0, stuck_windows=3).update(behind_by=1.0, stuck_windows=2)


class Migration(migrations.Migration):
    dependencies = [("targets", "0007_flag_defaults")]

    operations = [migrations.RunPython(forwards, backwards)]
