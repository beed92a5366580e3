"""The Celery application. Configuration lives in Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rrcase.settings.dev")

# DjangoTask gives every task `delay_on_commit` / `apply_async_on_commit`, so a
# service queues work only once its transaction has committed (STYLE.md).
app = Celery("rrcase", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
