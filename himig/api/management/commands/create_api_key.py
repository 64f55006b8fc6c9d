"""``manage.py create_api_key --email E [--create-user] [--name N]``: a key for scripts and operators.

The key is the last line of the output, so ``KEY=$(manage.py create_api_key … | tail -n1)`` works.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from himig.accounts.models import User
from himig.api.services import create_api_key


class Command(BaseCommand):
    help = "Create an API key for a user and print it (shown once; only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="The account the key acts as.")
        parser.add_argument("--create-user", action="store_true", help="Create the account if it does not exist.")
        parser.add_argument("--name", default="command line", help="A name to tell the key apart later.")

    def handle(self, *args: Any, email: str, create_user: bool, name: str, **options: Any) -> None:
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            if not create_user:
                raise CommandError(f"No account for {email}; add --create-user to make one.")
            # No password: the person can set one through "forgot password" if they ever sign in.
            user = User.objects.create_user(email)
            self.stderr.write(f"Created the account {email} (no password set).")
        elif not user.is_active:
            raise CommandError(f"The account {email} is disabled; its keys would be refused.")
        key, raw = create_api_key(user, name)
        self.stderr.write(f"API key {key.prefix}… “{key.name}” for {email}. It is shown once:")
        self.stdout.write(raw)
