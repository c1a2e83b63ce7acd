"""Beat's schedule for the targets jobs, kept in the database (django-celery-beat's DatabaseScheduler):
the nightly recompute at 02:00 and the weekly digest on Monday at 07:00, both Europe/London."""

from django.db import migrations

TASKS = [
    # name, task, minute, hour, day_of_week
    ("targets: nightly trajectory recompute", "targets.tasks.recompute_all", "0", "2", "*"),
    ("targets: weekly off-trajectory digest", "targets.tasks.weekly_digest", "0", "7", "1"),
]


def add_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day_of_week in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone="Europe/London",
        )
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0002_curriculartarget_historicalcurriculartarget_and_more"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
