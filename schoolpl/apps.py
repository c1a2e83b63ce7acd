from django.apps import AppConfig


class SchoolplConfig(AppConfig):
    name = "schoolpl"
    verbose_name = "Schools and staff"
    default_auto_field = "django.db.models.BigAutoField"
