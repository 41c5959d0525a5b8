"""Benchmark: the memory a large CSV import costs (issue 10: a 200 MB CSV with less than 300 MB
extra). The same command, `samtrygg import-incidents`, imports a one-row file (the baseline:
Python, Django, numpy, pandas, the demo's Halmstad) and a generated file of about 200 MB, each
in a fresh process; the peak resident memory (ru_maxrss) of each is compared.

    .venv/bin/python bench/import_memory.py [--megabytes 200] [--database sqlite|postgres]

SQLite in a temporary folder; PostgreSQL as the database ``samtrygg_bench_memory`` on
127.0.0.1:5432. Rows have points inside Halmstad, two years of times and 100-character
descriptions (without digits, so the personal-data scan's quick test passes them, as it does
most real descriptions).
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
SAMTRYGG = str(ROOT / ".venv" / "bin" / "samtrygg")
PEAK = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)"
)


def write_csv(path: Path, megabytes: int) -> int:
    """Rows inside Halmstad's bounding box centre (all inside the municipality), streamed."""
    import numpy as np

    rng = np.random.default_rng(1)
    organisation = "Halmstad kommun, trygghet och säkerhet"
    text = "Klotter och skadegörelse vid busshållplatsen, anmält av fastighetsskötaren på morgonen"
    target = megabytes * 1_000_000
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id;category;occurred_at;lat;lon;description;severity;organisation\n")
        while out.tell() < target:
            n = 50_000
            lat = 56.674 + rng.uniform(-0.01, 0.01, n)
            lon = 12.857 + rng.uniform(-0.01, 0.01, n)
            minutes = rng.integers(0, 2 * 365 * 24 * 60, n)
            times = (np.datetime64("2024-11-01T00:00") + minutes.astype("timedelta64[m]")).astype(
                str
            )
            out.write(
                "".join(
                    f"m{rows + i};klotter;{times[i].replace('T', ' ')};{lat[i]:.6f};{lon[i]:.6f};"
                    f"{text};{1 + i % 3};{organisation}\n"
                    for i in range(n)
                )
            )
            rows += n
    return rows


def peak_kib(env: dict[str, str], *args: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PEAK, SAMTRYGG, *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    kib, code = out.stdout.strip().splitlines()[-1].split()
    if code != "0":
        raise SystemExit(f"import failed:\n{out.stdout}\n{out.stderr}")
    return int(kib), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, SAMTRYGG_DATA_DIR=folder)
        if options.database == "postgres":
            name = "samtrygg_bench_memory"
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name])
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        subprocess.run(
            [SAMTRYGG, "demo", "--no-serve", "--incidents", "0"],
            env=env,
            check=True,
            capture_output=True,
        )
        small, big = Path(folder) / "one.csv", Path(folder) / "big.csv"
        small.write_text(
            "external_id;category;occurred_at;lat;lon;description;severity;organisation\n"
            "s1;klotter;2025-01-01 10:00;56.674;12.857;En rad;1;"
            "Halmstad kommun, trygghet och säkerhet\n",
            encoding="utf-8",
        )
        rows = write_csv(big, options.megabytes)
        size = big.stat().st_size / 1e6
        args = ("import-incidents", "--municipality", "halmstad")
        base, base_s = peak_kib(env, *args[:1], str(small), *args[1:])
        peak, seconds = peak_kib(env, *args[:1], str(big), *args[1:])
        print(f"database: {options.database}; machine: {os.cpu_count()} cores")
        print(f"one-row file: peak {base / 1024:.0f} MB ({base_s:.1f} s)")
        print(
            f"{size:.0f} MB file, {rows:,} rows: peak {peak / 1024:.0f} MB ({seconds:.1f} s, "
            f"{rows / seconds:,.0f} rows/s)"
        )
        print(f"extra memory for the large file: {(peak - base) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
