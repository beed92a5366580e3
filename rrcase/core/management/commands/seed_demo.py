from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Seed the synthetic demo borough (idempotent). Each app adds its seeder to DEMO_SEEDERS."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is off)."
            )
        for dotted in settings.DEMO_SEEDERS:
            with transaction.atomic():
                import_string(dotted)()
            self.stdout.write(f"seeded {dotted.rsplit('.', 2)[0]}")
