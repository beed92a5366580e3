from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rrcase.access"
    label = "access"
    verbose_name = "Agencies and access"
