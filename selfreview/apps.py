from django.apps import AppConfig


class SelfreviewConfig(AppConfig):
    name = "selfreview"
    default_auto_field = "django.db.models.BigAutoField"
