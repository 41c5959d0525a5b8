from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from samtrygg.demo.builder import DEMO_PASSWORD, build


class Command(BaseCommand):
    help = "Build the demo municipalities, organisations and users (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--incidents",
            type=int,
            default=None,
            help="incidents per municipality (default about 4 000 a year for two years); "
            "only for municipalities that have none yet",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("sv"):
            logins = build(seed=options["seed"], incidents=options["incidents"])
        self.stdout.write("")
        self.stdout.write("Samtrygg demo: logga in på http://127.0.0.1:8000 med")
        self.stdout.write(f"  lösenord / password: {DEMO_PASSWORD}")
        width = max(len(login.email) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.email:<{width}}  {login.role:<32} {login.municipalities}")
        self.stdout.write("")
