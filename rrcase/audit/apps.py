from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rrcase.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Sign-in, sign-out and failed sign-ins are recorded from Django's auth signals:
        # they are the only hook Django gives for its own login views.
        from . import receivers  # noqa: F401
