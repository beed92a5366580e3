"""The test suite: the real PostgreSQL (and Redis when REDIS_URL is set), with
only what must differ for speed or determinism changed."""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Hashing demo passwords at full strength would dominate the suite's run time;
# this changes cost, not behaviour.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests that need a broker start a real worker on Redis explicitly; the rest
# run tasks in-process so each test is self-contained.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
