"""`manage.py issue_api_token USERNAME --name "what for" [--days 90]`: a token
for an integration, shown once. Refused for users without a confirmed second
factor (offenders.api.auth.api_token_issue). `--revoke PREFIX` ends one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from offenders.api.auth import TOKEN_DAYS, api_token_issue, api_token_revoke
from offenders.models import ApiToken


class Command(BaseCommand):
    help = "Issue (or revoke) an API token for a user enrolled in the second factor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument("--days", type=int, default=TOKEN_DAYS)
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the token with this prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("No such user.")
        if options["revoke"]:
            token = ApiToken.objects.filter(user=user, prefix=options["revoke"]).first()
            if token is None:
                raise CommandError("No such token for this user.")
            api_token_revoke(token=token, by=None)
            self.stdout.write(f"Revoked {token}.")
            return
        try:
            token, key = api_token_issue(
                user=user, name=options["name"], by=None, days=options["days"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Token for {user.get_username()}, expires {token.expires_at:%d %B %Y}.")
        self.stdout.write("It is shown once; keep it in the integration's secret store:")
        self.stdout.write(key)
