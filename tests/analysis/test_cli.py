"""`samtrygg analyse`: the command line on CSV files, and its error messages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from samtrygg.analysis.cli import main


@pytest.fixture
def events(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    path = tmp_path / "händelser.csv"
    lines = ["id;x;y;datum;tid;slut"]
    for i in range(300):
        x, y = rng.uniform(370_000, 373_000), rng.uniform(6_280_000, 6_283_000)
        day = 1 + int(rng.integers(0, 28))
        lines.append(
            f"{i};{x:.1f};{y:.1f};2026-02-{day:02d};2026-02-{day:02d} 21:00;2026-02-{day:02d} 23:30"
        )
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    return path


def test_knox_json(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "knox",
            str(events),
            "--x",
            "x",
            "--y",
            "y",
            "--time",
            "datum",
            "--distance-bands",
            "0,1,100,200",
            "--time-bands",
            "0,7,14",
            "--permutations",
            "19",
            "--seed",
            "1",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["rows"]) == 4 * 3
    assert sum(int(r["observed"]) for r in out["rows"]) == 300 * 299 // 2
    assert out["rows"][0]["distance"] == "[0, 1) m"


def test_hotspots_and_kde_write_geojson(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "cells.geojson"
    assert (
        main(["hotspots", str(events), "--x", "x", "--y", "y", "--cell", "250", "--out", str(out)])
        == 0
    )
    cells = json.loads(out.read_text())
    assert sum(f["properties"]["count"] for f in cells["features"]) == 300
    out = tmp_path / "kde.geojson"
    assert main(["kde", str(events), "--x", "x", "--y", "y", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["features"]


def test_timepattern_aoristic(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timepattern", str(events), "--time", "tid", "--time-end", "slut", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    total = sum(float(v) for r in rows for k, v in r.items() if k != "hour")
    assert total == pytest.approx(300, abs=0.1)
    hour_22 = next(r for r in rows if r["hour"] == "22")
    assert sum(float(v) for k, v in hour_22.items() if k != "hour") == pytest.approx(120, abs=0.1)


def test_evaluate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--treated", "100,80", "--control", "100,90", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "-10.0" in out and "SE 19.2" in out and "not statistically significant" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--x", "öst"], "Kolumnen ”öst” finns inte. Kolumner i filen: id, x, y"),
        (["--time-format", "%d/%m/%Y"], "Rad 2, kolumn ”datum”"),
        (["--distance-bands", "0,200,100"], "stigande ordning"),
    ],
)
def test_clear_errors(
    events: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    args = {
        "--x": "x",
        "--y": "y",
        "--time": "datum",
        "--distance-bands": "0,100",
        "--time-bands": "0,7",
        "--time-format": "%Y-%m-%d",
    }
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        args[flag] = value
    argv = ["knox", str(events), *[v for pair in args.items() for v in pair]]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_too_few_points(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "two.csv"
    path.write_text("x,y,d\n1,1,2026-01-01\n2,2,2026-01-02\n")
    assert (
        main(
            [
                "knox",
                str(path),
                "--x",
                "x",
                "--y",
                "y",
                "--time",
                "d",
                "--distance-bands",
                "0,100",
                "--time-bands",
                "0,7",
            ]
        )
        == 2
    )
    assert "För få händelser: 2" in capsys.readouterr().err


def test_unparseable_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n1,1\nett,2\n3,3\n")
    assert main(["hotspots", str(path), "--x", "x", "--y", "y"]) == 2
    assert "Rad 3, kolumn ”x”: ”ett” är inget tal." in capsys.readouterr().err
