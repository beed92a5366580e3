"""`manage.py backup DIR`: the database (pg_dump custom format), the uploaded
files and a manifest to check a restore against. scripts/backup wraps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rrcase.core import backup
from rrcase.core.backup import BackupError, last_complete_quarter


class Command(BaseCommand):
    help = "Back up the database and uploaded files into a new directory (docs/operations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="a new or empty directory")
        parser.add_argument("--media", type=Path, help="the uploaded files (default: MEDIA_ROOT)")
        parser.add_argument(
            "--kpi-start",
            help="first day of the period whose KPIs the restore check recomputes "
            "(default: the last complete quarter)",
        )
        parser.add_argument("--kpi-end", help="last day of that period")
        parser.add_argument("--kpi-as-of", help="as-of date for those KPIs (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        from reporting.management.commands.kpi import _date

        today = timezone.localdate()
        start, end = last_complete_quarter(today)
        if options["kpi_start"] or options["kpi_end"]:
            if not (options["kpi_start"] and options["kpi_end"]):
                raise CommandError("Give both --kpi-start and --kpi-end, or neither.")
            start, end = _date(options["kpi_start"]), _date(options["kpi_end"])
        as_of = _date(options["kpi_as_of"]) if options["kpi_as_of"] else today
        media = options["media"] or Path(settings.MEDIA_ROOT)
        try:
            manifest = backup.backup(
                directory=options["directory"],
                media_root=media,
                kpi_start=start,
                kpi_end=end,
                kpi_as_of=as_of,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {manifest['database']}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['media'])} uploaded files, into {options['directory']}"
        )
