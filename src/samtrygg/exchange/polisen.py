"""Polisen's open events (``/api/events``): reading, checking and importing them.

Rules (DOMAIN.md §5): the incident time is in ``name`` ("01 januari 07:56, Brand, Halmstad"),
the publish time in ``datetime``; "Sammanfattning …" rows are nightly summaries, not events, and
are skipped; ``location.name`` is a municipality or (from 2026 often) a county; ``location.gps``
is the centre of that municipality or county, never the event's place, so it is not kept.
Everything is checked before anything is written; the import writes all new events in one
transaction and is idempotent on Polisen's id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.tenancy.models import Municipality

from .models import PlacePrecision, PoliceEvent
from .sweden import county_of, find_place

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "januari",
            "februari",
            "mars",
            "april",
            "maj",
            "juni",
            "juli",
            "augusti",
            "september",
            "oktober",
            "november",
            "december",
        ],
        start=1,
    )
}
_NAME_TIME = re.compile(r"^\s*(\d{1,2})\s+([a-zåäö]+)\s+(\d{1,2})[.:](\d{2})", re.IGNORECASE)
REQUIRED = ("id", "datetime", "name", "type", "location")


class PolisenFileError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class PolisenImportResult:
    created: int = 0
    already_there: int = 0
    summaries: int = 0
    elsewhere: int = 0  # outside the chosen municipality and its county
    by_precision: dict[str, int] = field(default_factory=dict)


def describe(result: PolisenImportResult) -> str:
    """The import's outcome in one sentence (for the commands)."""
    return _(
        "%(created)d police events imported, %(there)d were there already, "
        "%(summaries)d summaries skipped, %(elsewhere)d elsewhere."
    ) % {
        "created": result.created,
        "there": result.already_there,
        "summaries": result.summaries,
        "elsewhere": result.elsewhere,
    }


def read_objects(raw: bytes | str) -> list[tuple[int, Any]]:
    """(line or position, object) pairs from a JSON array or JSON lines."""
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            return [(i, obj) for i, obj in enumerate(json.loads(stripped), start=1)]
        except json.JSONDecodeError as error:
            raise PolisenFileError(
                [
                    _("The file is not valid JSON: line %(line)d, column %(col)d (%(msg)s).")
                    % {"line": error.lineno, "col": error.colno, "msg": error.msg}
                ]
            ) from None
    objects, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            objects.append((number, json.loads(line)))
        except json.JSONDecodeError as error:
            errors.append(
                _("Line %(line)d, column %(col)d: not valid JSON (%(msg)s).")
                % {"line": number, "col": error.colno, "msg": error.msg}
            )
    if errors:
        raise PolisenFileError(errors)
    return objects


def occurred_at(name: str, published: datetime) -> datetime | None:
    """The incident time from the title; the year is the publish year, or the one before for
    a December event published in January."""
    match = _NAME_TIME.match(name)
    if not match:
        return None
    day, month_name, hour, minute = match.groups()
    month = MONTHS.get(month_name.lower())
    if month is None:
        return None
    local = published.astimezone(STOCKHOLM)
    year = local.year - 1 if month > local.month + 1 else local.year
    try:
        return datetime(year, month, int(day), int(hour), int(minute), tzinfo=STOCKHOLM)
    except ValueError:
        return None


def _parse(number: int, obj: Any, errors: list[str]) -> PoliceEvent | None | bool:
    """A PoliceEvent, False for a summary row, None after recording an error."""
    label = _("Line %(line)d") % {"line": number}
    if not isinstance(obj, dict):
        errors.append(_("%(label)s: not an event object.") % {"label": label})
        return None
    missing = [key for key in REQUIRED if key not in obj]
    if missing:
        errors.append(
            _("%(label)s: the field “%(field)s” is missing.")
            % {"label": label, "field": missing[0]}
        )
        return None
    if str(obj["type"]).startswith("Sammanfattning"):
        return False
    try:
        published = datetime.strptime(str(obj["datetime"]), "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        errors.append(
            _("%(label)s: the time “%(value)s” cannot be read.")
            % {"label": label, "value": obj["datetime"]}
        )
        return None
    place_name = str((obj.get("location") or {}).get("name", ""))
    place = find_place(place_name)
    if place is None:
        errors.append(
            _("%(label)s: “%(place)s” is neither a municipality nor a county.")
            % {"label": label, "place": place_name}
        )
        return None
    try:
        police_id = int(obj["id"])
    except (TypeError, ValueError):
        errors.append(
            _("%(label)s: the id “%(value)s” is not a number.")
            % {"label": label, "value": obj["id"]}
        )
        return None
    return PoliceEvent(
        police_id=police_id,
        published_at=published,
        occurred_at=occurred_at(str(obj["name"]), published) or published,
        event_type=str(obj["type"])[:100],
        title=str(obj["name"])[:300],
        summary=str(obj.get("summary") or ""),
        url=str(obj.get("url") or "")[:300],
        location_name=place_name[:100],
        municipality_code=place.municipality_code,
        county_code=place.county_code,
        precision=PlacePrecision.MUNICIPALITY if place.municipality_code else PlacePrecision.COUNTY,
    )


def import_police_events(
    raw: bytes | str, municipality: Municipality | None = None, actor: Any = None
) -> PolisenImportResult:
    objects = read_objects(raw)
    errors: list[str] = []
    result = PolisenImportResult()
    events: dict[int, PoliceEvent] = {}
    county = county_of(municipality.scb_code) if municipality else ""
    for number, obj in objects:
        parsed = _parse(number, obj, errors)
        if parsed is False:
            result.summaries += 1
        elif isinstance(parsed, PoliceEvent):
            if municipality is not None and not (
                parsed.municipality_code == municipality.scb_code
                or (parsed.precision == PlacePrecision.COUNTY and parsed.county_code == county)
            ):
                result.elsewhere += 1
                continue
            events[parsed.police_id] = parsed
    if errors:
        raise PolisenFileError(errors)
    existing = set(
        PoliceEvent.objects.filter(police_id__in=list(events)).values_list("police_id", flat=True)
    )
    new = [e for pid, e in events.items() if pid not in existing]
    result.already_there = len(events) - len(new)
    result.created = len(new)
    for event in new:
        result.by_precision[event.precision] = result.by_precision.get(event.precision, 0) + 1
    with transaction.atomic():
        PoliceEvent.objects.bulk_create(new, batch_size=1000)
        record(
            AuditAction.POLICE_EVENTS_IMPORTED,
            actor=actor,
            municipality=municipality,
            object_repr=_("%(n)d police events") % {"n": len(new)},
            changes={
                "created": result.created,
                "already_there": result.already_there,
                "summaries_skipped": result.summaries,
            },
        )
    return result
