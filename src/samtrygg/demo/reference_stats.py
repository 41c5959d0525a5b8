"""Demo reference statistics: made-up figures, in the layouts of Brå's statistics database and
SCB's PX-Web tables (exchange/reference_stats.py), for riket, Hallands län, Kalmar län, Halmstad
and Kalmar, 2015–2024. They are loaded through the same import service as real files, with a
source text that says they are invented."""

from __future__ import annotations

from importlib import resources
from typing import Any

from samtrygg.exchange.reference_stats import (
    ReferenceImportResult,
    import_population,
    import_reported_crime,
)

CRIME_FILE = "demo_bra_anmalda_brott.csv"
POPULATION_FILE = "demo_scb_folkmangd.csv"
CRIME_SOURCE = "Demo – påhittade siffror i Brås format"
POPULATION_SOURCE = "Demo – påhittade siffror i SCB:s format"


def _data(name: str) -> bytes:
    return resources.files("samtrygg.demo").joinpath("data", name).read_bytes()


def demo_reference_stats(
    actor: Any = "demo",
) -> tuple[ReferenceImportResult, ReferenceImportResult]:
    """Import the demo population and reported crime; (population, crime) results."""
    population = import_population(_data(POPULATION_FILE), actor=actor, source=POPULATION_SOURCE)
    crime = import_reported_crime(_data(CRIME_FILE), actor=actor, source=CRIME_SOURCE)
    return population, crime
