from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP

from rrcase.signin.services import totp_device_for


class Command(BaseCommand):
    help = "Print the current authenticator code for a demo account (demo data only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is off)."
            )
        user = get_user_model().objects.filter(username=options["username"]).first()
        device = totp_device_for(user) if user is not None else None
        if device is None:
            raise CommandError(f"No demo account {options['username']!r} with an authenticator.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        seconds = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"(valid for {seconds} more second(s); each code works once)")
