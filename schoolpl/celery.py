"""The Celery application. Configured from Django settings (the CELERY_ namespace)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolpl.settings")

app = Celery("schoolpl")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
