"""Production: everything from the environment; refuses to start when a value
that protects personal data is missing or unsafe."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AUTH_PASSWORD_VALIDATORS, AUTHENTICATION_BACKENDS, SECRET_KEY
from .env import env_bool, env_int, env_list

if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be off in production: unset DEBUG or set DEBUG=false.")
DEBUG = False

if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names rrcase is served on.")
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]

# Behind the TLS-terminating proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-rrcase-session"
CSRF_COOKIE_NAME = "__Host-rrcase-csrf"

DEMO_DATA_ALLOWED = False
DEMO_TOTP_SECRET = ""

# Demo accounts never sign in here, whatever the database holds
# (rrcase/signin/demo_accounts.py): refused at the password step, right after
# django-axes (so a refusal still counts towards lockout); and the published
# demo password is refused as anyone's new password.
AUTHENTICATION_BACKENDS = [
    AUTHENTICATION_BACKENDS[0],
    "rrcase.signin.demo_accounts.DemoAccountsRefusedBackend",
    *AUTHENTICATION_BACKENDS[1:],
]
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,
    {"NAME": "rrcase.signin.demo_accounts.DemoPasswordValidator"},
]
