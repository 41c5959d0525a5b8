"""Benchmark: the situation map's layers, the map page and the dashboard with 1 000 000
incidents in one municipality on SQLite, and the statutory lägesbild PDF for 100 000 incidents.

    .venv/bin/python bench/situation.py [--incidents 1000000] [--pdf-incidents 100000] [--runs 30]

A fresh SQLite database (temporary folder) gets the demo without incidents, then N generated
incidents in Halmstad and M in Kalmar (demo/incidents.py). Requests go through the whole Django
stack in the test client, logged in as Halmstad's coordinator (who sees every incident), with
the filter "last quarter" and with "last 12 months". The first request loads the in-memory
snapshot (reported separately); then 3 warm-up requests and --runs timed ones per URL. Page
weight is the map page's HTML, its CSS and scripts, and the JSON of its default layers. The PDF
is timed end to end: figures, maps, charts and WeasyPrint.
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

LAYERS = ("points", "heat", "grid", "hotspots", "areas", "assessments")


def run(incidents: int, pdf_incidents: int, runs: int) -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "samtrygg.settings"
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("build_demo", incidents=0, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    from samtrygg.demo.incidents import generate
    from samtrygg.tenancy.models import Municipality, User

    halmstad = Municipality.objects.get(slug="halmstad")
    kalmar = Municipality.objects.get(slug="kalmar")
    t0 = time.perf_counter()
    generate(halmstad, incidents, reporter=User.objects.get(email="rapportor.halmstad@example.se"))
    generate(kalmar, pdf_incidents, reporter=User.objects.get(email="rapportor.kalmar@example.se"))
    print(
        f"generated {incidents:,} + {pdf_incidents:,} incidents in {time.perf_counter() - t0:.0f} s"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client()
    client.force_login(User.objects.get(email="samordnare.halmstad@example.se"))
    base = "/k/halmstad/"
    t0 = time.perf_counter()
    assert client.get(base + "situation/areas.json").status_code == 200
    seconds = time.perf_counter() - t0
    print(f"first request (loads the snapshot of {incidents:,} incidents): {seconds:.1f} s")
    t0 = time.perf_counter()
    assert client.get(base + "dashboard/").status_code == 200
    seconds = time.perf_counter() - t0
    print(f"first dashboard of the day (the near-repeat test, then cached): {seconds:.1f} s")

    print(f"\n| Request ({incidents:,} incidents, SQLite) | period | p50 ms | p95 ms |")
    print("|---|---|---|---|")
    worst = 0.0
    for period in ("quarter", "year"):
        urls = [
            *(
                f"situation/{layer}.json"
                for layer in ("points", "heat", "grid", "hotspots", "areas", "assessments")
            ),
            "situation/",
            "dashboard/",
            *(
                f"dashboard/{b}.csv"
                for b in ("key-figures", "trend", "weekday-hour", "areas", "emerging")
            ),
        ]
        for url in urls:
            full = f"{base}{url}?period={period}"
            response = client.get(full)
            assert response.status_code == 200, (full, response.status_code)
            p50, p95 = timed(lambda u=full: client.get(u), runs)
            worst = max(worst, p95)
            print(f"| {url} | {period} | {p50:.0f} | {p95:.0f} |", flush=True)
    print(f"\nworst p95: {worst:.0f} ms (target ≤ 300 ms)")

    page = client.get(base + "situation/?period=quarter")
    weight = len(page.content)
    import re

    from django.contrib.staticfiles import finders

    for path in re.findall(r'(?:href|src)="/static/([^"]+)"', page.content.decode()):
        found = finders.find(re.sub(r"\.[0-9a-f]{12}\.", ".", path)) or finders.find(path)
        weight += Path(found).stat().st_size if found else 0
    for layer in ("areas", "hotspots"):
        weight += len(client.get(f"{base}situation/{layer}.json?period=quarter").content)
    weight += len(client.get(f"{base}geo/areas.geojson").content)
    weight += len(client.get(f"{base}geo/boundary.geojson").content)
    print(
        "map page weight (HTML, CSS, scripts, boundary, areas, default layers): "
        f"{weight / 1024:.0f} kB (target < 1 MB)"
    )

    from datetime import timedelta

    from django.utils import timezone

    from samtrygg.documents.situation_report import data_for_period, pdf_bytes

    last = timezone.localdate() - timedelta(days=1)
    first = last - timedelta(days=364)
    t0 = time.perf_counter()
    pdf = pdf_bytes(data_for_period(kalmar, first, last))
    seconds = time.perf_counter() - t0
    print(
        f"statutory lägesbild PDF, Kalmar, {pdf_incidents:,} incidents (one year of them in the "
        f"period): {seconds:.1f} s, {len(pdf) / 1024:.0f} kB (target ≤ 15 s; includes loading "
        "the snapshot)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--pdf-incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["SAMTRYGG_DATA_DIR"] = data_dir
        os.environ["SAMTRYGG_DEMO"] = "1"
        os.environ.pop("DATABASE_URL", None)
        sys.path.insert(0, str(ROOT / "src"))
        run(args.incidents, args.pdf_incidents, args.runs)


if __name__ == "__main__":
    main()
