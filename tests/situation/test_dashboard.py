"""The dashboard on the demo data: every block renders, has its CSV, follows the analysis
library, and suppresses small numbers for viewers."""

from __future__ import annotations

import csv
import io
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from samtrygg.situation.dashboard import Dashboard
from samtrygg.situation.filters import SituationFilters
from samtrygg.situation.layers import View
from samtrygg.tenancy.models import User
from samtrygg.tenancy.policy import access_for

pytestmark = pytest.mark.usefixtures("swedish")
BLOCKS = ("key-figures", "trend", "weekday-hour", "areas", "emerging")


@pytest.fixture
def demo(db: Any) -> None:
    call_command("build_demo", incidents=2500, stdout=StringIO())


def login(client: Client, who: str) -> User:
    user = User.objects.get(email=f"{who}.halmstad@example.se")
    client.force_login(user)
    return user


def rows(client: Client, url: str) -> list[list[str]]:
    text = client.get(url).content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_dashboard_for_a_coordinator(demo: None, client: Client) -> None:
    user = login(client, "samordnare")
    page = client.get("/k/halmstad/dashboard/?period=quarter")
    assert page.status_code == 200
    text = page.content.decode()
    for heading in (
        "Nyckeltal",
        "Veckotrend per kategori",
        "Veckodag och timme",
        "Koncentration",
        "Upprepad utsatthet",
        "Framväxande heta punkter",
        "Saknade veckorapporter",
    ):
        assert heading in text, heading
    # Brå's reported crime beside the EST figures (demo files, by hand for 2024: Halmstad
    # 124 / 105 754 × 100 000 = 117, riket 11 439 / 10 591 708 × 100 000 = 108).
    assert "Anmälda brott per 100 000 invånare" in text
    assert re.search(r"Bostadsinbrott</th><td>117</td><td>\d+</td><td>108</td>", text), text
    assert "Kommungrupp B3" in text
    for block in BLOCKS:
        assert len(rows(client, f"/k/halmstad/dashboard/{block}.csv?period=quarter")) >= 1, block
    board = Dashboard(View(access_for(user, "halmstad"), SituationFilters(period="quarter")))
    matrix = board.weekday_hour()["matrix"]
    assert sum(sum(r) for r in matrix) == int(board.view.selected.sum())
    trend = board.weekly_trend()
    assert len(trend["weeks"]) == 52 and trend["series"]


def test_near_repeat_is_found_in_the_demo_bursts(demo: None) -> None:
    user = User.objects.get(email="samordnare.halmstad@example.se")
    board = Dashboard(View(access_for(user, "halmstad"), SituationFilters()))
    finding = board.near_repeat()
    assert finding is not None and finding["raised"] and finding["ratio"] > 1


def test_viewer_dashboard_has_no_small_numbers(demo: None, client: Client) -> None:
    login(client, "politiker")
    page = client.get("/k/halmstad/dashboard/?period=week&category=99999")
    assert page.status_code == 200
    assert "Saknade veckorapporter" not in page.content.decode()
    # Only the columns that are counts: a change in per cent or a p-value is not a count.
    not_counts = {"change_percent", "p", "significant"}
    for block in ("weekday-hour", "areas", "trend"):
        header, *body = rows(client, f"/k/halmstad/dashboard/{block}.csv?period=week")
        counted = [i for i, name in enumerate(header) if i > 0 and name not in not_counts]
        assert counted, block
        for row in body:
            for i in counted:
                if row[i] != "":
                    assert int(row[i]) == 0 or int(row[i]) >= 3, (block, header[i], row)
    figures = rows(client, "/k/halmstad/dashboard/key-figures.csv?period=week")[1:]
    # Decimal comma in the CSV (Swedish Excel).
    values = [float(r[1].replace(",", ".")) for r in figures if r[1] != ""]
    assert all(v == 0 or v >= 3 for v in values)
