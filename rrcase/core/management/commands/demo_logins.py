from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rrcase.access import demo


class Command(BaseCommand):
    help = "Print the demo sign-ins for the seeded borough."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is not allowed with these settings.")
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins for the {demo.BOROUGH} demo borough (synthetic data):")
        self.stdout.write(f"  password for every account: {demo.DEMO_PASSWORD}")
        for username, persona, agency in demo.logins():
            self.stdout.write(f"  {username:<16} {persona:<28} {agency}")
        self.stdout.write("")
        self.stdout.write("Every account also asks for a code from an authenticator app.")
        self.stdout.write(
            f"  demo TOTP secret (add it to any authenticator app): {settings.DEMO_TOTP_SECRET}"
        )
        self.stdout.write(
            "  or run `.venv/bin/python manage.py demo_totp USERNAME` for a current code."
        )
