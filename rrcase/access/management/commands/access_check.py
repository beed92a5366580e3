"""`manage.py access_check [--as-of YYYY-MM-DD] [--end]`: list every agency
grant on a person that has no live reason (rrcase.access.live_reasons) and exit
1 if there is any, 0 if none. With --end, end each such involvement through
offenders.services.involvement_end (a `revoke` audit event with the reason;
the agency keeps any access it has for another reason) and check again."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from rrcase.access.live_reasons import GrantWithoutReason, grants_without_live_reason

EXIT_FOUND = 1


class Command(BaseCommand):
    help = (
        "List agency grants on people with no live reason (lead agency, live cohort "
        "membership, open referral, panel remit, share); exit 1 if there are any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="the day to check for (default today)",
        )
        parser.add_argument(
            "--end",
            action="store_true",
            help="end each involvement without a live reason (audited), then check again",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["as_of"] or timezone.localdate()
        found = grants_without_live_reason(today=today)
        if found and options["end"]:
            ended = _end(found)
            self.stdout.write(f"Ended {ended} involvement(s) without a live reason.")
            found = grants_without_live_reason(today=today)
        for row in found:
            self.stdout.write(
                f"{row.reference:<16} {row.agency:<12} {row.reason or '-':<9} "
                f"{row.source or '-':<16} {row.why}"
            )
        if found:
            raise CommandError(
                f"{len(found)} grant(s) without a live reason on {today:%d %B %Y}.",
                returncode=EXIT_FOUND,
            )
        self.stdout.write(f"Every grant has a live reason on {today:%d %B %Y}.")


@transaction.atomic
def _end(found: list[GrantWithoutReason]) -> int:
    from offenders.models import Involvement
    from offenders.services import involvement_end

    ids = [row.involvement_id for row in found if row.involvement_id is not None]
    ended = 0
    for involvement in Involvement.objects.filter(pk__in=ids, ended_at__isnull=True).select_related(
        "person", "agency"
    ):
        reason = next(r.why for r in found if r.involvement_id == involvement.pk)
        involvement_end(
            person=involvement.person,
            agency=involvement.agency,
            reason=involvement.reason,
            source=involvement.source,
            by=None,
            justification=f"No live reason ({reason}): manage.py access_check --end",
        )
        ended += 1
    return ended
