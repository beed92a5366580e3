from django.apps import AppConfig


class SignInConfig(AppConfig):
    name = "rrcase.signin"
    label = "signin"
    verbose_name = "Sign-in and sessions"

    def ready(self) -> None:
        # Sign-in time and the user's session list are recorded from Django's
        # auth signals: the only hook for every way a session is created
        # (the sign-in page, the admin's, the test client's force_login).
        from . import receivers  # noqa: F401
