from typing import Any

from django.core.management.base import BaseCommand

from rrcase.access.services import roles_sync


class Command(BaseCommand):
    help = "Create the role groups; give each exactly the permissions in rrcase/access/roles.py."

    def handle(self, *args: Any, **options: Any) -> None:
        changes = roles_sync()
        for line in changes:
            self.stdout.write(line)
        self.stdout.write(f"Roles in sync ({len(changes)} change(s)).")
