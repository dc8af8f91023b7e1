"""Base for skillcert management commands: every command runs inside an action context, so the
changes it makes are audited with channel "cli" and the operating-system user as actor label
(a `--as USERNAME` option makes a real user the actor)."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from skillcert.core import context
from skillcert.core.errors import SkillcertError


class AuditedCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="as_user", help="username recorded as the actor in the audit log")

    def execute(self, *args: Any, **options: Any) -> Any:
        username = options.get("as_user")
        actor = None
        if username:
            try:
                actor = get_user_model().objects.get(username=username)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no such user: {username}") from exc
        label = username or f"cli:{getpass.getuser()}"
        with context.acting(channel="cli", actor=actor, actor_label=label):
            try:
                return super().execute(*args, **options)
            except SkillcertError as exc:
                raise CommandError(str(exc)) from exc
