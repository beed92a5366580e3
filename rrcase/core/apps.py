from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rrcase.core"
    label = "core"
    verbose_name = "Platform"
