"""Reference data: Sweden's 290 municipalities and 21 counties, for matching place names."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

COUNTIES = {
    "01": "Stockholms län",
    "03": "Uppsala län",
    "04": "Södermanlands län",
    "05": "Östergötlands län",
    "06": "Jönköpings län",
    "07": "Kronobergs län",
    "08": "Kalmar län",
    "09": "Gotlands län",
    "10": "Blekinge län",
    "12": "Skåne län",
    "13": "Hallands län",
    "14": "Västra Götalands län",
    "17": "Värmlands län",
    "18": "Örebro län",
    "19": "Västmanlands län",
    "20": "Dalarnas län",
    "21": "Gävleborgs län",
    "22": "Västernorrlands län",
    "23": "Jämtlands län",
    "24": "Västerbottens län",
    "25": "Norrbottens län",
}


@dataclass(frozen=True)
class Place:
    municipality_code: str  # "" for a county
    county_code: str


@cache
def _municipalities() -> list[dict[str, str]]:
    text = resources.files("samtrygg.exchange").joinpath("reference/municipalities.json")
    return json.loads(text.read_text(encoding="utf-8"))


@cache
def _by_name() -> dict[str, Place]:
    places = {m["name"].casefold(): Place(m["code"], m["county"]) for m in _municipalities()}
    places |= {name.casefold(): Place("", code) for code, name in COUNTIES.items()}
    return places


def find_place(name: str) -> Place | None:
    """A municipality or county by its name, ignoring case ("Upplands-bro" is Upplands-Bro)."""
    return _by_name().get(name.strip().casefold())


def county_of(municipality_code: str) -> str:
    return next((m["county"] for m in _municipalities() if m["code"] == municipality_code), "")
