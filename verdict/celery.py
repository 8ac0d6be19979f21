"""Celery application. Training tasks go to the `gpu` queue, everything else to `default`."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.base")

app = Celery("verdict")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
