"""Benchmark: importing 1 000 000 generated incidents from CSV, on SQLite and PostgreSQL, against
a bare ``executemany`` of the same rows into the same table (the ceiling) in the same run.

    .venv/bin/python bench/import_incidents.py [--rows 1000000] [--database sqlite|postgres|both]

Each database is created fresh (SQLite in a temporary folder; PostgreSQL as the database
``samtrygg_bench`` on DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432).
The demo's Halmstad (boundary and 12 districts) is built first; the CSV has points inside
Halmstad, two years of times, four categories and short descriptions.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(database: str, rows: int, data_dir: str) -> None:
    """Runs in a fresh process, so that settings (and the database) are chosen from scratch."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "samtrygg.settings"
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    call_command("build_demo", incidents=0, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    import numpy as np
    import shapely
    from shapely.geometry import shape

    from samtrygg.exchange.incident_import import import_incidents
    from samtrygg.incidents.models import Incident
    from samtrygg.tenancy.models import Municipality

    halmstad = Municipality.objects.get(slug="halmstad")
    boundary = shape(halmstad.boundary)
    shapely.prepare(boundary)
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = boundary.bounds
    lon, lat = np.empty(0), np.empty(0)
    while lon.size < rows:
        xs, ys = rng.uniform(minx, maxx, rows), rng.uniform(miny, maxy, rows)
        inside = shapely.contains_xy(boundary, xs, ys)
        lon, lat = np.concatenate([lon, xs[inside]]), np.concatenate([lat, ys[inside]])
    lon, lat = lon[:rows], lat[:rows]
    start = np.datetime64("2024-11-01T00:00")
    minutes = rng.integers(0, 2 * 365 * 24 * 60, rows)
    times = (start + minutes.astype("timedelta64[m]")).astype(str)
    categories = np.array(["klotter", "skadegorelse", "brand", "nedskrapning"])[
        rng.integers(0, 4, rows)
    ]
    lines = ["external_id;category;occurred_at;lat;lon;description;severity;organisation"]
    organisation = "Halmstad kommun, trygghet och säkerhet"
    for i in range(rows):
        lines.append(
            f"b{i};{categories[i]};{times[i].replace('T', ' ')};{lat[i]:.6f};"
            f"{lon[i]:.6f};Händelse vid busshållplatsen;{1 + i % 3};{organisation}"
        )
    raw = "\n".join(lines).encode()
    print(f"  CSV: {rows:,} rows, {len(raw) / 1e6:.0f} MB", flush=True)

    t0 = time.perf_counter()
    result = import_incidents(raw, "bench.csv", halmstad)
    seconds = time.perf_counter() - t0
    assert result.created == rows, result
    print(
        f"  samtrygg import-incidents: {seconds:.1f} s, {rows / seconds:,.0f} rows/s "
        "(parse, check every row, coordinates, areas, personal-data scan, write)",
        flush=True,
    )

    # The ceiling: the rows as import-incidents wrote them, re-inserted with executemany.
    columns = [f.column for f in Incident._meta.concrete_fields if f.column != "id"]
    values = list(
        Incident.objects.values_list(
            *[f.attname for f in Incident._meta.concrete_fields if f.column != "id"]
        )
    )
    with connection.cursor() as cursor:  # Django's delete() would collect a million objects
        cursor.execute(f"DELETE FROM {Incident._meta.db_table}")
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO incidents_incident ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for begin in range(0, len(values), 50_000):
            cursor.executemany(sql, values[begin : begin + 50_000])
    bare = time.perf_counter() - t0
    print(
        f"  bare executemany of the same rows: {bare:.1f} s, {rows / bare:,.0f} rows/s; "
        f"import / bare = {seconds / bare:.1f}×",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", choices=["sqlite", "postgres"])
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.data_dir)
        return
    for database in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        with tempfile.TemporaryDirectory() as data_dir:
            env = {k: v for k, v in os.environ.items() if not k.startswith("SAMTRYGG_")}
            env["SAMTRYGG_DATA_DIR"] = data_dir
            env["SAMTRYGG_DEMO"] = "1"
            env.pop("DATABASE_URL", None)
            if database == "postgres":
                server = os.environ.get(
                    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
                )
                base = server.rsplit("/", 1)[0]
                subprocess.run(
                    [
                        "psql",
                        f"{base}/postgres",
                        "-qc",  # noqa: S603, S607
                        "DROP DATABASE IF EXISTS samtrygg_bench",
                    ],
                    check=True,
                )
                subprocess.run(
                    [
                        "psql",
                        f"{base}/postgres",
                        "-qc",  # noqa: S603, S607
                        "CREATE DATABASE samtrygg_bench",
                    ],
                    check=True,
                )
                env["DATABASE_URL"] = f"{base}/samtrygg_bench"
            print(f"{database}:", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    database,
                    "--rows",  # noqa: S603
                    str(args.rows),
                    "--data-dir",
                    data_dir,
                ],
                env=env,
                check=True,
                cwd=ROOT,
            )


if __name__ == "__main__":
    main()
