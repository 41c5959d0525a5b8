"""`samtrygg analyse …`: the analysis library on any CSV file, for analysts (no database).

    samtrygg analyse knox FILE --x X --y Y --time DATE --time-format %d/%m/%Y \\
        --distance-bands 0,1,100,200 --time-bands 0,7,14 [--metric euclidean|manhattan]
        [--permutations 999] [--seed S] [--nrc-labels] [--json] [--out result.csv]
    samtrygg analyse hotspots FILE (--x X --y Y | --lon LON --lat LAT) [--cell 100]
        [--out cells.geojson]
    samtrygg analyse kde FILE (--x X --y Y | --lon LON --lat LAT) [--cell 50] [--bandwidth 300]
    samtrygg analyse timepattern FILE --time T [--time-end T2] --time-format FMT
    samtrygg analyse evaluate --treated 100,80 --control 100,90 [--buffer 50,55]

Coordinates: --x/--y in metres (e.g. SWEREF 99 TM), or --lon/--lat in WGS 84 (converted to
SWEREF 99 TM). Band edges are half-open [a, b); the last band is open-ended. With --nrc-labels
the bands are given and named the way the Near Repeat Calculator does ("0,200" and "7" mean
"same location", "1 to 200 m", "0 to 7 days"), with its counting of [a − 1, b − 1].
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

MIN_POINTS = {"knox": 3, "hotspots": 3, "kde": 1, "timepattern": 1}


class InputError(Exception):
    """A problem with the user's input, said plainly; nothing is computed."""


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


def _read_csv(path: Path, delimiter: str | None) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"Filen kan inte läsas: {error}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} är inte UTF-8-text.") from None
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    return list(reader.fieldnames or []), list(reader)


def _column(rows: list[dict[str, str]], fields: list[str], name: str) -> list[str]:
    if name not in fields:
        raise InputError(f"Kolumnen ”{name}” finns inte. Kolumner i filen: {', '.join(fields)}.")
    return [row.get(name) or "" for row in rows]


def _numbers(rows: list[dict[str, str]], fields: list[str], name: str) -> np.ndarray:
    values = _column(rows, fields, name)
    out = np.empty(len(values))
    for i, value in enumerate(values):
        try:
            out[i] = float(value.replace(",", ".").replace(" ", ""))
        except ValueError:
            raise InputError(f"Rad {i + 2}, kolumn ”{name}”: ”{value}” är inget tal.") from None
    return out


def _times(
    rows: list[dict[str, str]], fields: list[str], name: str, fmt: str, allow_empty: bool = False
) -> np.ndarray:
    values = _column(rows, fields, name)
    out = np.empty(len(values), dtype="datetime64[m]")
    for i, value in enumerate(values):
        if allow_empty and not value.strip():
            out[i] = np.datetime64("NaT")
            continue
        try:
            parsed = datetime.strptime(value.strip(), fmt)  # noqa: DTZ007 (local wall clock)
        except ValueError:
            raise InputError(
                f"Rad {i + 2}, kolumn ”{name}”: ”{value}” stämmer inte med formatet ”{fmt}”."
            ) from None
        out[i] = np.datetime64(parsed.replace(tzinfo=None), "m")
    return out


def _points(
    args: argparse.Namespace, rows: list[dict[str, str]], fields: list[str]
) -> tuple[np.ndarray, np.ndarray, bool]:
    if args.lon and args.lat:
        from .geo import wgs84_to_sweref

        x, y = wgs84_to_sweref(_numbers(rows, fields, args.lon), _numbers(rows, fields, args.lat))
        return x, y, True
    if args.x and args.y:
        return _numbers(rows, fields, args.x), _numbers(rows, fields, args.y), False
    raise InputError("Ange koordinaterna med --x och --y (meter) eller --lon och --lat (WGS 84).")


def _edges(text: str, name: str) -> list[float]:
    try:
        edges = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{name}: ange talen med kommatecken emellan, t.ex. 0,100,200.") from None
    if not edges:
        raise InputError(f"{name}: ange minst en gräns.")
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise InputError(f"{name}: gränserna måste komma i stigande ordning ({text}).")
    return edges


def _check_count(command: str, n: int) -> None:
    if n < MIN_POINTS[command]:
        raise InputError(f"För få händelser: {n} (minst {MIN_POINTS[command]} behövs).")


def _print_table(table: Table) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(table.header, *table.rows, strict=True)]
    for row in [table.header, *table.rows]:
        print(
            "  ".join(
                str(c).rjust(w) if i else str(c).ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def _write_csv(path: Path, table: Table) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.header)
        writer.writerows(table.rows)


def run_knox(args: argparse.Namespace) -> Any:
    from .knox import knox

    fields, rows = _read_csv(args.file, args.delimiter)
    x, y, _ = _points(args, rows, fields)
    times = _times(rows, fields, args.time, args.time_format)
    _check_count("knox", x.size)
    days = times.astype("datetime64[m]").astype(float) / (24 * 60)
    d_edges = _edges(args.distance_bands, "--distance-bands")
    t_edges = _edges(args.time_bands, "--time-bands")
    if args.nrc_labels:
        d_edges = [0.0 if e == 0 else e - 1 for e in d_edges]
        t_edges = [e - 1 for e in t_edges]
        days = np.floor(days)
    try:
        result = knox(
            x,
            y,
            days,
            d_edges,
            t_edges,
            permutations=args.permutations,
            metric=args.metric,
            nrc=args.nrc_labels,
            seed=args.seed,
        )
    except ValueError as error:
        raise InputError(str(error)) from None
    table = Table(
        ["distance", "time", "observed", "expected_mean", "expected_median", "ratio", "p"], []
    )
    for i, d_label in enumerate(result.distance_labels):
        for j, t_label in enumerate(result.time_labels):
            table.rows.append(
                [
                    d_label,
                    t_label,
                    str(result.observed[i, j]),
                    f"{result.expected_mean[i, j]:.2f}",
                    f"{result.expected_median[i, j]:.1f}",
                    f"{result.ratio[i, j]:.2f}",
                    f"{result.p_value[i, j]:.3f}",
                ]
            )
    summary = {
        "events": result.n_events,
        "permutations": result.permutations,
        "metric": result.metric,
        "seed": args.seed,
    }
    return table, summary


def _grid_geojson(
    grid: Any, values: dict[str, np.ndarray], wgs84: bool, keep: np.ndarray
) -> dict[str, Any]:
    from .geo import sweref_to_wgs84

    features = []
    rows, cols = np.nonzero(keep)
    x0 = grid.x0 + cols * grid.cell
    y0 = grid.y0 + rows * grid.cell
    xs = np.stack([x0, x0 + grid.cell, x0 + grid.cell, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + grid.cell, y0 + grid.cell, y0], axis=1)
    if wgs84:
        xs, ys = sweref_to_wgs84(xs, ys)
    for k in range(rows.size):
        ring = [[round(float(a), 7), round(float(b), 7)] for a, b in zip(xs[k], ys[k], strict=True)]
        props = {name: float(v[rows[k], cols[k]]) for name, v in values.items()}
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def run_hotspots(args: argparse.Namespace) -> Any:
    from .grid import Grid
    from .hotspots import gi_star_grid

    fields, rows = _read_csv(args.file, args.delimiter)
    x, y, wgs84 = _points(args, rows, fields)
    _check_count("hotspots", x.size)
    grid = Grid.covering(x, y, args.cell, pad=1)
    counts = grid.counts(x, y)
    result = gi_star_grid(counts, rings=args.rings, fdr=not args.no_fdr)
    table = Table(["confidence", "hot cells", "cold cells"], [])
    for level, name in ((3, "99 %"), (2, "95 %"), (1, "90 %")):
        table.rows.append(
            [name, str(int((result.bins == level).sum())), str(int((result.bins == -level).sum()))]
        )
    if args.out:
        keep = (counts > 0) | (result.bins != 0)
        data = _grid_geojson(
            grid,
            {"count": counts, "z": result.z, "p": result.p, "bin": result.bins.astype(float)},
            wgs84,
            keep,
        )
        args.out.write_text(json.dumps(data))
    summary = {
        "events": int(x.size),
        "cells": grid.size,
        "cell_m": args.cell,
        "fdr": not args.no_fdr,
        "max_z": float(np.nanmax(result.z)),
    }
    return table, summary


def run_kde(args: argparse.Namespace) -> Any:
    from .kde import arcgis_default_bandwidth, kde

    fields, rows = _read_csv(args.file, args.delimiter)
    x, y, wgs84 = _points(args, rows, fields)
    _check_count("kde", x.size)
    bandwidth = arcgis_default_bandwidth(x, y) if args.arcgis_default else args.bandwidth
    result = kde(x, y, cell=args.cell, bandwidth=bandwidth)
    peak = np.unravel_index(np.argmax(result.density), result.density.shape)
    cx, cy = result.grid.centres()
    table = Table(
        ["measure", "value"],
        [
            ["events", str(x.size)],
            ["cell (m)", f"{args.cell:g}"],
            ["bandwidth (m)", f"{bandwidth:.0f}"],
            ["max density (per km²)", f"{result.density.max():.1f}"],
            ["peak x", f"{cx[peak]:.0f}"],
            ["peak y", f"{cy[peak]:.0f}"],
        ],
    )
    if args.out:
        breaks = np.quantile(result.density[result.density > 0], [0.5, 0.75, 0.9, 0.97])
        keep = result.density >= breaks[0]
        args.out.write_text(
            json.dumps(
                _grid_geojson(
                    result.grid,
                    {"density": result.density, "class": result.classes(breaks)},
                    wgs84,
                    keep,
                )
            )
        )
    return table, {"bandwidth_m": bandwidth, "cell_m": args.cell}


def run_timepattern(args: argparse.Namespace) -> Any:
    from .timepatterns import aoristic, weekday_hour

    fields, rows = _read_csv(args.file, args.delimiter)
    start = _times(rows, fields, args.time, args.time_format, allow_empty=bool(args.time_end))
    _check_count("timepattern", start.size)
    if args.time_end:
        end = _times(rows, fields, args.time_end, args.time_format, allow_empty=True)
        result = aoristic(start, end)
        matrix, left_out = result.weekday_hour, result.left_out
    else:
        valid = start[~np.isnat(start)]
        first = valid.min().astype("datetime64[D]").item()
        last = valid.max().astype("datetime64[D]").item()
        matrix, left_out = weekday_hour(start, first, last).per_day, 0
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    table = Table(
        ["hour", *days],
        [[f"{h:02d}", *(f"{matrix[d, h]:.2f}" for d in range(7))] for h in range(24)],
    )
    return table, {"events": int(start.size), "left_out": left_out, "aoristic": bool(args.time_end)}


def _pair(text: str | None, name: str) -> Any:
    from .evaluation import Counts

    if text is None:
        return None
    try:
        before, after = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"{name}: ange före,efter, t.ex. 100,80.") from None
    if before < 0 or after < 0:
        raise InputError(f"{name}: antal kan inte vara negativa.")
    return Counts(before, after)


def run_evaluate(args: argparse.Namespace) -> Any:
    from .evaluation import evaluate

    try:
        result = evaluate(
            _pair(args.treated, "--treated"),
            _pair(args.control, "--control"),
            _pair(args.buffer, "--buffer"),
        )
    except ValueError as error:
        raise InputError(str(error)) from None
    rows = [
        [
            "WDD",
            f"{result.wdd.wdd:+.1f}",
            f"SE {result.wdd.se:.1f}",
            f"95 % CI {result.wdd.ci_low:+.1f} … {result.wdd.ci_high:+.1f}",
        ],
        ["SM (WDQ)", f"{result.wdq.success_measure:+.3f}", "", ""],
    ]
    if result.wdq.wdq is not None:
        rows.append(
            ["WDQ", f"{result.wdq.wdq:+.2f}", f"TNE {result.wdq.total_net_effect:+.1f}", ""]
        )
    if result.res is not None:
        rows.append(
            [
                "RES",
                f"{result.res.res:.3f}",
                f"95 % CI {result.res.ci_low:.3f} … {result.res.ci_high:.3f}",
                f"p {result.res.p:.3f}",
            ]
        )
    return Table(["measure", "value", "", ""], rows), {"summary": result.summary(args.lang)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samtrygg analyse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def with_file(name: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name)
        sub.add_argument("file", type=Path)
        sub.add_argument("--delimiter", help="default: ; or , whichever the header uses")
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        sub.add_argument("--out", type=Path, help="write the full result here")
        return sub

    def with_points(sub: argparse.ArgumentParser) -> None:
        for flag in ("--x", "--y", "--lon", "--lat"):
            sub.add_argument(flag)

    knox = with_file("knox")
    with_points(knox)
    knox.add_argument("--time", required=True)
    knox.add_argument("--time-format", default="%Y-%m-%d")
    knox.add_argument("--distance-bands", required=True)
    knox.add_argument("--time-bands", required=True)
    knox.add_argument("--metric", choices=["euclidean", "manhattan"], default="euclidean")
    knox.add_argument("--permutations", type=int, default=999)
    knox.add_argument("--seed", type=int)
    knox.add_argument("--nrc-labels", action="store_true")
    knox.set_defaults(run=run_knox)

    hot = with_file("hotspots")
    with_points(hot)
    hot.add_argument("--cell", type=float, default=100.0)
    hot.add_argument("--rings", type=int, default=1)
    hot.add_argument("--no-fdr", action="store_true")
    hot.set_defaults(run=run_hotspots)

    density = with_file("kde")
    with_points(density)
    density.add_argument("--cell", type=float, default=50.0)
    density.add_argument("--bandwidth", type=float, default=300.0)
    density.add_argument("--arcgis-default", action="store_true")
    density.set_defaults(run=run_kde)

    pattern = with_file("timepattern")
    pattern.add_argument("--time", required=True)
    pattern.add_argument("--time-end")
    pattern.add_argument("--time-format", default="%Y-%m-%d %H:%M")
    pattern.set_defaults(run=run_timepattern)

    evaluation = commands.add_parser("evaluate")
    evaluation.add_argument("--treated", required=True)
    evaluation.add_argument("--control", required=True)
    evaluation.add_argument("--buffer")
    evaluation.add_argument("--lang", choices=["sv", "en"], default="sv")
    evaluation.add_argument("--json", action="store_true")
    evaluation.add_argument("--out", type=Path)
    evaluation.set_defaults(run=run_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        table, summary = args.run(args)
    except InputError as error:
        print(f"samtrygg analyse {args.command}: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {
                    "summary": summary,
                    "rows": [dict(zip(table.header, r, strict=True)) for r in table.rows],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _print_table(table)
        for key, value in summary.items():
            print(f"{key}: {value}")
    if args.out and args.command in ("knox", "evaluate", "timepattern"):
        _write_csv(args.out, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
