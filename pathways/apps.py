from django.apps import AppConfig

# System admins keep the pathways reference data and the services directory
# in the Django admin (ROLE_PERMISSIONS is the roles' extension point).
REFERENCE_DATA_PERMISSIONS = [
    f"pathways.{action}_{model}"
    for model in ("pathway", "needtype", "provider", "service")
    for action in ("view", "add", "change", "delete")
]


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = "Resettlement pathways"

    def ready(self) -> None:
        from rrcase.access.models import Role
        from rrcase.access.roles import ROLE_PERMISSIONS

        granted = ROLE_PERMISSIONS[Role.SYSTEM_ADMIN]
        granted.extend(p for p in REFERENCE_DATA_PERMISSIONS if p not in granted)
