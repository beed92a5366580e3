"""`manage.py import_data DIR [--dry-run] [--partial] [--rejects PATH]
[--operator NAME] [--reason TEXT]`: the command-line face of
offenders.imports.import_directory (docs/import.md).

The operator's tool: it keeps full rights over every record (a user's import on
the Imports page is held to what their agency may change), so the audit trail
names who ran it — the operating-system account always, and the name and reason
given with --operator / --reason."""

from __future__ import annotations

import getpass
import os
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from offenders.imports import FILE_ORDER, ImportDirectoryError, import_directory

# Exit status: 0 everything imported (or, with --dry-run, would be); 1 at least
# one row or file rejected; 2 the import could not start (bad directory, no files).
EXIT_REJECTED = 1
EXIT_UNUSABLE = 2


class Command(BaseCommand):
    help = (
        "Load the CSV extracts in DIR ("
        + ", ".join(f"{n}.csv" for n in FILE_ORDER)
        + "). All-or-nothing unless --partial; rejects go to DIR/rejects.csv."
    )
    # Django's system checks load every URL, view and report library (fpdf,
    # openpyxl, the API schema): 0.6 s of every nightly import, for checks
    # that `manage.py check` and the test suite already run. (As migrate does.)
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, metavar="DIR")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and report; write nothing"
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="import the valid rows even when some are rejected",
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            metavar="PATH",
            help="where to write the rejects CSV (default DIR/rejects.csv)",
        )
        parser.add_argument(
            "--operator",
            default="",
            metavar="NAME",
            help="who is running the import, for the audit trail (the OS account is recorded too)",
        )
        parser.add_argument(
            "--reason",
            default="",
            metavar="TEXT",
            help="why, for the audit trail (e.g. the change ticket)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = import_directory(
                directory=options["directory"],
                by=None,
                partial=options["partial"],
                dry_run=options["dry_run"],
                rejects_path=options["rejects"],
                operator=_operator(options["operator"], options["reason"]),
            )
        except ImportDirectoryError as error:
            raise CommandError(str(error), returncode=EXIT_UNUSABLE) from None
        elapsed = time.monotonic() - started

        self.stdout.write(
            f"{'file':<16}{'read':>9}{'created':>9}{'updated':>9}{'unchanged':>11}{'rejected':>10}"
        )
        for name, s in result.files.items():
            self.stdout.write(
                f"{name + '.csv':<16}{s.read:>9}{s.created:>9}{s.updated:>9}"
                f"{s.unchanged:>11}{s.rejected:>10}"
            )
            if s.error:
                self.stdout.write(f"  {name}.csv not read: {s.error}")
        if result.dry_run:
            outcome = "Dry run: nothing was written."
        elif result.committed and result.rejected:
            outcome = f"Imported the valid rows; {result.rejected} rejected (--partial)."
        elif result.committed:
            outcome = "Imported."
        else:
            outcome = (
                f"Nothing was imported: {result.rejected} rejected "
                "(all-or-nothing; fix them, or use --partial)."
            )
        self.stdout.write(f"{outcome} {elapsed:.1f}s.")
        if result.rejected:
            self.stderr.write(f"Rejects: {result.rejects_path}")
            raise CommandError(
                f"{result.rejected} row(s) rejected; see {result.rejects_path}",
                returncode=EXIT_REJECTED,
            )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers): the uid
        return f"uid {os.getuid()}"


def _operator(name: str, reason: str) -> dict[str, str]:
    """Who ran the import, as the audit trail records it."""
    operator = {"os_user": _os_user(), "tool": "manage.py import_data"}
    if name.strip():
        operator["name"] = name.strip()[:100]
    if reason.strip():
        operator["reason"] = reason.strip()[:500]
    return operator
