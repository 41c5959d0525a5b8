"""Benchmark: the case list page and the API list with 1 000 000 incidents in one municipality
on SQLite, through the whole Django stack (middleware, access policy, template or JSON).

    .venv/bin/python bench/incident_list.py [--incidents 1000000] [--runs 50]

A fresh SQLite database in a temporary folder gets the demo (Halmstad and Kalmar) and then
N generated incidents in Halmstad (demo/incidents.py: two years, hot spots, duplicates, every
status). Each request is made 5 times to warm up and then --runs times; the table gives p50 and
p95 of the wall-clock time per request in the test client (no network). In the same run, the
bare database query for the same page (the queryset evaluated without the view) is timed as the
floor the page cannot beat.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed  # noqa: E402  (bench/ is not a package)


def run(incidents: int, runs: int) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "samtrygg.settings"
    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # pages link hashed files
    call_command("build_demo", incidents=0, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    from samtrygg.areas.models import Area
    from samtrygg.demo.incidents import generate
    from samtrygg.incidents.models import Category, Incident
    from samtrygg.tenancy.models import Municipality, User
    from samtrygg.tenancy.policy import access_for
    from samtrygg.tenancy.tokens import create_token

    halmstad = Municipality.objects.get(slug="halmstad")
    t0 = time.perf_counter()
    reporter = User.objects.get(email="rapportor.halmstad@example.se")
    made = generate(halmstad, incidents, reporter=reporter)
    print(
        f"generated {made.created:,} incidents + {made.duplicates:,} duplicates in "
        f"{time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    coordinator = User.objects.get(email="samordnare.halmstad@example.se")
    category = Category.objects.get(municipality=halmstad, code="skadegorelse")
    area = Area.objects.get(municipality=halmstad, name="Område 3")
    middle = Incident.objects.filter(municipality=halmstad).order_by("pk")[incidents // 2].pk

    # The test client's host; everything else is as in production (DEBUG off).
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    web = Client()
    web.force_login(coordinator)
    reporter_web = Client()
    reporter_web.force_login(reporter)
    _token, secret = create_token(coordinator, name="bench", days=30)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = "/k/halmstad/incidents/"
    api_base = "/api/v1/k/halmstad/incidents"
    from datetime import datetime, timedelta
    from datetime import time as day_time

    from django.utils import timezone

    today = timezone.localdate()
    quarter_start = today - timedelta(days=91)
    quarter = f"since={quarter_start}&until={today}"
    zone = timezone.get_current_timezone()
    in_quarter = {
        "category": category,
        "area": area,
        "occurred_at__gte": datetime.combine(quarter_start, day_time.min, zone),
        "occurred_at__lte": datetime.combine(today, day_time.max, zone),
    }
    filtered = f"queue=all&category={category.pk}&area={area.pk}"
    cases = [
        ("list, all cases, first page", web, f"{base}?queue=all", {}),
        (
            "list, skadegörelse in Område 3",
            web,
            f"{base}?{filtered}",
            {"category": category, "area": area},
        ),
        (
            "list, skadegörelse in Område 3, last quarter",
            web,
            f"{base}?{filtered}&{quarter}",
            in_quarter,
        ),
        ("list, closed cases", web, f"{base}?queue=all&status=closed", {"status": "closed"}),
        ("list, page in the middle (before=…)", web, f"{base}?queue=all&before={middle}", {}),
        ("list, reporter's own reports", reporter_web, f"{base}?queue=mine", None),
        ("API list, first page", api, f"{api_base}?limit=50", {}),
        (
            "API list, skadegörelse in Område 3",
            api,
            f"{api_base}?category=skadegorelse&area={area.pk}",
            {"category": category, "area": area},
        ),
        (
            "API list, page in the middle (cursor)",
            api,
            f"{api_base}?cursor="
            + __import__("base64").urlsafe_b64encode(str(middle).encode()).decode().rstrip("="),
            {},
        ),
    ]
    access = access_for(coordinator, "halmstad")
    from samtrygg.incidents import queries

    print(f"\n| Request ({incidents:,} incidents, SQLite) | p50 ms | p95 ms | bare query p95 ms |")
    print("|---|---|---|---|")
    for label, client, url, bare_filter in cases:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        p50, p95 = timed(lambda c=client, u=url: c.get(u), runs, warm_up=5)
        bare = "—"
        if bare_filter is not None:
            rows = queries.incidents(access).filter(**bare_filter).order_by("-pk")
            _b50, b95 = timed(lambda r=rows: list(r[:51]), runs, warm_up=5)
            bare = f"{b95:.1f}"
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {bare} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["SAMTRYGG_DATA_DIR"] = data_dir
        os.environ["SAMTRYGG_DEMO"] = "1"
        os.environ.pop("DATABASE_URL", None)
        sys.path.insert(0, str(ROOT / "src"))
        run(args.incidents, args.runs)


if __name__ == "__main__":
    main()
