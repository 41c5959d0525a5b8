from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from samtrygg.tenancy.models import Membership, Municipality
from samtrygg.tenancy.roles import Role


def test_createadmin_creates_the_municipality_and_its_first_admin(db: Any) -> None:
    out = StringIO()
    call_command(
        "createadmin",
        email="it@halmstad.se",
        municipality="halmstad",
        name="Halmstad",
        scb_code="1380",
        no_input=True,
        stdout=out,
    )
    membership = Membership.objects.get(user__email="it@halmstad.se")
    assert membership.role == Role.ADMIN
    assert membership.organisation.municipality == Municipality.objects.get(slug="halmstad")
    assert "Password:" in out.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command(
            "createadmin",
            email="it@halmstad.se",
            municipality="halmstad",
            no_input=True,
            stdout=StringIO(),
        )


def test_createadmin_refuses_a_bad_scb_code(db: Any) -> None:
    with pytest.raises(CommandError, match="fyra siffror|four digits"):
        call_command(
            "createadmin",
            email="a@b.se",
            municipality="x",
            name="X",
            scb_code="12",
            no_input=True,
            stdout=StringIO(),
        )
    assert not Municipality.objects.exists()


def test_cli_routes_analyse_without_django(capsys: pytest.CaptureFixture[str]) -> None:
    from samtrygg.cli import main

    assert main(["samtrygg", "analyse", "evaluate", "--treated", "10,5", "--control", "10,10"]) == 0
    assert "för litet" in capsys.readouterr().out
