from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    """Partnership with pupils and parents: personal tutors, progress reviews, reports to parents and the
    pupil and parent portal. The top layer of the product apps: it reads targets and interventions, and nothing
    below it names it."""

    name = "partnership"
    label = "partnership"
    verbose_name = "Partnership with pupils and parents"
    default_auto_field = "django.db.models.BigAutoField"
