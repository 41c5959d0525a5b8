from __future__ import annotations

import getpass
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from samtrygg.incidents.categories import seed_categories
from samtrygg.tenancy.models import Membership, Municipality, Organisation, OrganisationKind, User
from samtrygg.tenancy.roles import Role


class Command(BaseCommand):
    help = "Create the first administrator of a municipality (and the municipality if new)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--municipality", required=True, help="slug, e.g. halmstad")
        parser.add_argument("--name", help="the municipality's name, when it is created")
        parser.add_argument("--scb-code", help="the SCB code, when the municipality is created")
        parser.add_argument("--organisation", help="default: '<name> kommun'")
        parser.add_argument("--superuser", action="store_true", help="also a Django admin user")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="generate the password and print it instead of asking",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            if not options["name"] or not options["scb_code"]:
                raise CommandError("The municipality is new: give --name and --scb-code too.")
            municipality = Municipality(
                slug=options["municipality"], name=options["name"], scb_code=options["scb_code"]
            )
            try:
                municipality.full_clean()
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
        if User.objects.filter(email__iexact=options["email"]).exists():
            raise CommandError("A user with this e-mail address exists already.")
        password = secrets.token_urlsafe(12) if options["no_input"] else getpass.getpass()
        with transaction.atomic():
            municipality.save()
            seed_categories(municipality)
            organisation, _ = Organisation.objects.get_or_create(
                municipality=municipality,
                name=options["organisation"] or f"{municipality.name} kommun",
                defaults={"kind": OrganisationKind.MUNICIPAL_DEPARTMENT},
            )
            user = User.objects.create_user(
                options["email"],
                password,
                is_staff=options["superuser"],
                is_superuser=options["superuser"],
            )
            Membership.objects.create(user=user, organisation=organisation, role=Role.ADMIN)
        self.stdout.write(f"Created {user.email}, administrator of {municipality.name}.")
        if options["no_input"]:
            self.stdout.write(f"Password: {password}")
        self.stdout.write("Two-factor authentication is set up at the first login.")
