"""`manage.py restore DIR`: a backup into an empty database and media
directory, then the check that every table's rows, the KPI and the files are
as backed up. scripts/restore wraps it. Run it as the database owner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rrcase.core import backup
from rrcase.core.backup import BackupError


class Command(BaseCommand):
    help = "Restore a backup into an empty database and check it (docs/operations.md)."
    # The database is empty until the restore: nothing to check beforehand.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="a directory made by backup")
        parser.add_argument(
            "--media", type=Path, help="where the uploaded files go (default: MEDIA_ROOT)"
        )
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="only compare the database and files with the backup's manifest",
        )
        parser.add_argument(
            "--no-privileges",
            action="store_true",
            help="leave out the backup's GRANTs (when its roles do not exist here)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["directory"]
        media = options["media"] or Path(settings.MEDIA_ROOT)
        try:
            if not options["check_only"]:
                backup.restore(
                    directory=directory, media_root=media, privileges=not options["no_privileges"]
                )
            problems = backup.check(directory=directory, media_root=media)
            manifest = backup.read_manifest(directory)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if problems:
            raise CommandError("The restore does not match the backup:\n  " + "\n  ".join(problems))
        kpi = manifest["kpi"]
        reoffending = kpi["results"]["proven_reoffending"]
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Restore checked: {len(manifest['tables'])} tables, "
            f"{rows} rows, {len(manifest['media'])} files as backed up; "
            f"KPIs for {kpi['start']} to {kpi['end']} recomputed and equal "
            f"(proven re-offending: {reoffending['reoffenders']} of {reoffending['cohort']})."
        )
