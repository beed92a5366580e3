"""Settings shared by every environment. Environment-specific modules
(dev, test, production) import this and change only what differs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "django-insecure-dev-only-key-never-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS: list[str] = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's own files, served as our static files (/api/docs/ under our CSP).
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    # Beat's schedule and last-run times in PostgreSQL (CELERY_BEAT_SCHEDULER).
    "django_celery_beat",
    # The platform
    "rrcase.core",
    "rrcase.access",
    "rrcase.audit",
    "rrcase.signin",
    # The domain
    "offenders",
    "pathways",
    "panels",
    "reporting",
    # Scale data generator and benchmarks (management commands only).
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rrcase.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor?
    "django_otp.middleware.OTPMiddleware",
    # Default deny: every view needs sign-in unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sessions end 12 hours after sign-in, however active.
    "rrcase.signin.middleware.SessionLifetimeMiddleware",
    # Default deny for the second factor too: signed in but unverified reaches
    # only public pages and those marked @second_factor_not_required.
    "rrcase.signin.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rrcase.audit.denials.AccessDeniedAuditMiddleware",
    "rrcase.core.middleware.NoStoreMiddleware",
    # Turns a locked-out sign-in into the lockout page; django-axes wants it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rrcase.urls"
FORM_RENDERER = "rrcase.core.forms.GovUKFormRenderer"

# Content Security Policy: scripts only from us or inline with this response's
# nonce; no plugins; never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
WSGI_APPLICATION = "rrcase.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rrcase.core.context_processors.service",
                "rrcase.signin.context_processors.session_timeout",
            ],
        },
    },
]


def database_from_env() -> dj_database_url.DBConfig:
    url = env_str("DATABASE_URL", "")
    if not url:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set. `make run` and `make test` start an embedded "
            "PostgreSQL for you; to run manage.py by hand, export DATABASE_URL first "
            "(e.g. postgres://postgres@127.0.0.1:5432/rrcase)."
        )
    config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "rrcase runs on PostgreSQL only; DATABASE_URL must be postgres://…"
        )
    # Reconnect transparently after a PostgreSQL restart instead of serving errors
    # from a dead persistent connection.
    config["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles expensive-looking plans; for this service's
    # short, index-driven queries its compile time (~0.4 s) costs more than it
    # saves (docs/benchmarks.md), so it is off for every connection. And the
    # working set (people, grants) lives in memory, where a random read costs
    # about what a sequential one does: with the default random_page_cost of 4
    # the planner hashes 215,000 grants to check a search's few thousand
    # matches (a reference search 26 ms -> 6 ms at 250,000 people).
    options = dict(config.get("OPTIONS", {}))
    options["options"] = (
        str(options.get("options", "")) + " -c jit=off -c random_page_cost=1.1"
    ).strip()
    config["OPTIONS"] = options
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # SECURITY.md: at least 12 characters; 64+ accepted (Django has no upper bound).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username + address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "core:sign-in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:sign-in"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# `npm run build` writes GOV.UK Frontend, MoJ Frontend, htmx and our CSS here.
STATICFILES_DIRS = [BASE_DIR / "assets"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# Sessions: idle timeout 30 minutes, see SECURITY.md. Slid forward by signed-in
# requests, written at most once a minute (rrcase.signin.sessions.refresh_idle).
SESSION_COOKIE_AGE = 30 * 60
SESSION_IDLE_REFRESH = 60
# ...and 12 hours from sign-in however active (rrcase.signin.middleware), with a
# warning dialog 5 minutes before either limit (frontend/js/session-timeout.mjs).
SESSION_ABSOLUTE_AGE = 12 * 60 * 60
SESSION_TIMEOUT_WARNING = 5 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies in front of the app append to X-Forwarded-For. The
# client address (audit trail, sign-in lockout) is read that many hops from the right.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Sign-in lockout (django-axes): 5 failures for one username from one client
# address lock that pair for 15 minutes from the last failure. Attempts during
# the lockout do not extend it, so the time the lockout page gives is true.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "rrcase.core.request_context.client_ip"
AXES_LOCKOUT_CALLABLE = "rrcase.signin.views.locked_out"
# Successful sign-ins are in the audit trail already.
AXES_DISABLE_ACCESS_LOG = True

# Second factor (django-otp): TOTP, 30-second steps, one step of clock drift
# either way; a code is accepted once. Failed codes back off 1, 2, 4... seconds.
OTP_TOTP_ISSUER = "rrcase"
# The admin shows who has a device, never its secret key or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_RECOVERY_CODE_THROTTLE_FACTOR = 1

# Celery. Without REDIS_URL tasks run in-process (eagerly) so `make run` needs no broker.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only after it finishes, and put back if its worker dies,
# so a killed worker never loses a job. Tasks are written to be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 30 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 35 * 60)
# Redis re-delivers unacknowledged tasks after the visibility timeout: it must
# exceed the longest task, or a slow report would run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    # A page that queues a job never waits long on an unreachable Redis.
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits for Redis however long it is down (the default gives up after 100 tries).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Publishing retries briefly, then fails: the job stays queued in PostgreSQL and
# rrcase.core.jobs.jobs_sweep delivers it when Redis is back (docs/operations.md).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The schedule and each entry's last run are kept in PostgreSQL (django-celery-beat),
# so a redeploy neither skips nor repeats a run and a tick missed while beat was
# down is run once when it starts again, and (rrcase.core.beat) a tick that could
# not be sent because Redis was down is sent when it is back. Daily work is on
# crontab at fixed times.
CELERY_BEAT_SCHEDULER = "rrcase.core.beat:DatabaseScheduler"
# Save each entry's last run as soon as it is sent (default: every 3 minutes),
# so even a beat killed outright does not send it again when it restarts.
CELERY_BEAT_SYNC_EVERY = 1
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "worker-heartbeat": {"task": "rrcase.core.tasks.worker_heartbeat", "schedule": 60.0},
    # Delivers jobs left queued (broker down) and restarts stalled ones.
    "jobs-sweep": {
        "task": "rrcase.core.tasks.jobs_sweep",
        "schedule": float(env_int("JOB_SWEEP_SECONDS", 60)),
    },
    # Daily, idempotent: makes the last quarter's CSP report once, the first day
    # after the quarter ends, and restarts it if it is stuck.
    "quarterly-report": {
        "task": "reporting.tasks.quarterly_report",
        "schedule": crontab(hour=1, minute=30),
    },
    # Daily, idempotent: meetings three months ahead, agendas and update requests.
    "panels-daily": {"task": "panels.tasks.panels_daily", "schedule": crontab(hour=6, minute=0)},
    # Daily, idempotent: ends panel access for people who left a panel's remit.
    "panel-access-review": {
        "task": "panels.tasks.panel_access_review",
        "schedule": crontab(hour=2, minute=45),
    },
    # Every person's alerts, once a day (offenders.services.alert_snapshot_take).
    "alert-snapshot": {
        "task": "offenders.tasks.alert_snapshot",
        "schedule": crontab(hour=2, minute=15),
    },
}
# Jobs tracked in a row that must never be lost (rrcase.core.jobs): model -> task.
JOB_TYPES = {
    "reporting.ReportRun": "reporting.tasks.report_run_process",
    "offenders.ImportRun": "offenders.tasks.import_run_process",
}
# A queued job not started after this long is published again.
JOB_QUEUED_GRACE_SECONDS = env_int("JOB_QUEUED_GRACE_SECONDS", 60)
# A running job's worker writes a heartbeat this often, from a thread of its own.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 15)
# A running job whose heartbeat is older than this has stalled and is restarted.
JOB_STALL_SECONDS = env_int("JOB_STALL_SECONDS", 180)
# Starts after which an interrupted job is marked failed rather than restarted.
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# MAPPA level 2 cases are reviewed at least every 16 weeks, level 3 every 8 (DOMAIN.md).
MAPPA_REVIEW_WEEKS = {2: 16, 3: 8}

# Every API view, the schema included, takes the same credentials (docs/api.md):
# an API token, or a session that has passed the second factor. The token class
# comes first so that a call without credentials is a 401 with its challenge.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "offenders.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["offenders.api.auth.SignedInWithSecondFactor"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "rrcase.audit.denials.api_exception_handler",
    "PAGE_SIZE": 25,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "rrcase API",
    "DESCRIPTION": "Shared case record for reducing re-offending. OFFICIAL-SENSITIVE.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["offenders.api.auth.SignedInWithSecondFactor"],
    # /api/docs/: Swagger UI from drf-spectacular-sidecar's static files, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Ids in API paths (offenders/api/base.py): digits that fit a bigint.
    "PATH_CONVERTER_OVERRIDES": {
        "dbid": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
    },
}

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous users hold no grants

SERVICE_NAME = "rrcase"
SERVICE_PHASE = "beta"

# Demo data: each app adds its own seeder; `seed_demo` runs them in this order.
DEMO_SEEDERS = [
    "rrcase.access.demo.seed",
    "offenders.demo.seed",
    "offenders.appointments_demo.seed",
    "panels.demo.seed",
    "pathways.demo.seed",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Lockouts are WARNING; every successful sign-in at INFO is noise.
        "axes": {"level": "WARNING"},
    },
}
# Every log line carries the request id, which error pages show as the
# reference to quote: support finds the traceback by it.
LOGGING["filters"] = {"request_id": {"()": "rrcase.core.request_context.RequestIdLogFilter"}}
LOGGING["handlers"] = {
    "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
}
LOGGING["formatters"] = {
    "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
}

# `seed_demo` refuses to run where this is off (production).
DEMO_DATA_ALLOWED = True
# The TOTP secret (base32) every demo account is enrolled with, so `make run`
# needs no phone: add it to any authenticator app, or run
# `manage.py demo_totp USERNAME` for the current code. Demo data only.
DEMO_TOTP_SECRET = env_str("DEMO_TOTP_SECRET", "NORTHBRIDGEDEMOONLYNOTFORREALUSE")

# CSV import (offenders.imports, docs/import.md): people.csv rows with a blank
# lead_agency get this agency's lead grant; set it to "" to reject them instead.
IMPORT_DEFAULT_LEAD_AGENCY = env_str("IMPORT_DEFAULT_LEAD_AGENCY", "probation")
# Largest file the upload page accepts, per file (a 100,000-row offences file is ~6 MB).
IMPORT_UPLOAD_MAX_BYTES = env_int("IMPORT_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
# API schema: choice sets that share a field name get their own enum names.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "ContactKindEnum": "offenders.models.ContactKind",
    "ContactOutcomeEnum": "offenders.models.ContactOutcome",
    "EnforcementKindEnum": "offenders.models.EnforcementKind",
    "OffenceOutcomeEnum": "offenders.models.OffenceOutcome",
    # Appointments (offenders/api/appointments.py).
    "AppointmentKindEnum": "offenders.models.APPOINTMENT_KIND_CHOICES",
    "AppointmentStatusEnum": "offenders.models.AppointmentStatus",
    "AppointmentOutcomeEnum": "offenders.models.AppointmentOutcome",
    "AppointmentOutcomeInputEnum": "offenders.appointments_forms.OUTCOME_CHOICES",
}
