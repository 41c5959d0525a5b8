"""Demo reference statistics: made-up figures, in the layouts of Brå's statistics database and
SCB's PX-Web tables (exchange/reference_stats.py), for riket, Hallands län, Kalmar län, Halmstad
and Kalmar, 2015–2024, and for Växjö and Helsingborg, which with them make up the demo's SKR group
B3 (an excerpt: the real group has more kommuner). They are loaded through the same import
service as real files, with a source text that says they are invented."""

from __future__ import annotations

from importlib import resources
from typing import Any

from samtrygg.exchange.reference_stats import (
    ReferenceImportResult,
    import_population,
    import_reported_crime,
)
from samtrygg.exchange.surveys import (
    FireImportResult,
    SurveyImportResult,
    import_fires,
    import_surveys,
)

CRIME_FILE = "demo_bra_anmalda_brott.csv"
GROUPS_FILE = "demo_skr_kommungrupper.csv"
GROUPS_SOURCE = "Demo – utdrag i SKR:s format, inte SKR:s hela kommungruppsindelning"
POPULATION_FILE = "demo_scb_folkmangd.csv"
CRIME_SOURCE = "Demo – påhittade siffror i Brås format"
POPULATION_SOURCE = "Demo – påhittade siffror i SCB:s format"
SURVEY_FILES = {"1380": "demo_trygghet_halmstad.csv", "0880": "demo_trygghet_kalmar.csv"}
FIRE_FILE = "demo_msb_brander.csv"
SURVEY_SOURCE = "Demo – påhittade siffror, inte någon verklig undersökning"
FIRE_SOURCE = "Demo – påhittade siffror i ett IDA-liknande format, inte MSB:s statistik"


def _data(name: str) -> bytes:
    return resources.files("samtrygg.demo").joinpath("data", name).read_bytes()


def demo_reference_stats(
    actor: Any = "demo",
) -> tuple[ReferenceImportResult, ReferenceImportResult]:
    """Import the demo population, reported crime and SKR groups; (population, crime) results."""
    from samtrygg.exchange.municipality_groups import import_municipality_groups

    population = import_population(_data(POPULATION_FILE), actor=actor, source=POPULATION_SOURCE)
    crime = import_reported_crime(_data(CRIME_FILE), actor=actor, source=CRIME_SOURCE)
    import_municipality_groups(_data(GROUPS_FILE), actor=actor, source=GROUPS_SOURCE)
    return population, crime


def demo_surveys_and_fires(
    actor: Any = "demo",
) -> tuple[dict[str, SurveyImportResult], FireImportResult]:
    """Import the demo survey figures of Halmstad (1380) and Kalmar (0880), for those of the
    two municipalities that exist, and the demo fire statistics (national, like Brå's);
    ({SCB code: survey result}, fire result)."""
    from samtrygg.tenancy.models import Municipality

    surveys: dict[str, SurveyImportResult] = {}
    for municipality in Municipality.objects.filter(scb_code__in=SURVEY_FILES):
        surveys[municipality.scb_code] = import_surveys(
            _data(SURVEY_FILES[municipality.scb_code]),
            municipality,
            actor=actor,
            source=SURVEY_SOURCE,
        )
    fires = import_fires(_data(FIRE_FILE), actor=actor, source=FIRE_SOURCE)
    return surveys, fires
