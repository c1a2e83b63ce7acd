from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    """Partnership with pupils and parents: personal tutors, progress reviews, reports to parents and the
    pupil and parent portal. It sits inside ``targets`` because it reviews targets and trajectories."""

    name = "targets.partnership"
    label = "partnership"
    verbose_name = "Partnership with pupils and parents"
    default_auto_field = "django.db.models.BigAutoField"
