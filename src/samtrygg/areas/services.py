"""Importing and changing areas. Validate everything, then write all in one transaction."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from samtrygg.analysis.geo import geometry_to_sweref, geometry_to_wgs84, looks_projected
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import record
from samtrygg.core import bounds
from samtrygg.tenancy.models import Municipality
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from . import boundaries
from .models import Area, AreaKind

NAME_FIELDS = ("name", "namn", "NAMN", "Name", "regsonamn", "omrade", "område", "kom_namn")
CODE_FIELDS = ("code", "kod", "KOD", "deso", "desokod", "regsokod", "id")
POPULATION_FIELDS = ("population", "befolkning", "folkmangd", "folkmängd", "invanare")
# Simplified boundaries are coarse: allow this much of an area outside the boundary, in metres.
BOUNDARY_TOLERANCE_M = 250.0
MAX_SHARE_OUTSIDE = 0.02


class AreaImportError(Exception):
    """The file cannot be imported; ``errors`` lists every problem found, nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ParsedArea:
    name: str
    code: str
    population: int | None
    wgs84: BaseGeometry
    sweref: BaseGeometry


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    names: list[str] = field(default_factory=list)


def _pick(properties: dict[str, Any], names: tuple[str, ...], chosen: str | None) -> Any:
    if chosen:
        return properties.get(chosen)
    for name in names:
        if properties.get(name) not in (None, ""):
            return properties[name]
    return None


def _declared_crs(data: dict[str, Any]) -> str | None:
    name = str(((data.get("crs") or {}).get("properties") or {}).get("name", ""))
    if "3006" in name:
        return "EPSG:3006"
    if "4326" in name or "CRS84" in name:
        return "EPSG:4326"
    return None


def _load(raw: bytes | str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise AreaImportError(
            [_("The file is not UTF-8 text. Save it as GeoJSON (UTF-8).")]
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise AreaImportError(
            [
                _("The file is not valid GeoJSON: %(msg)s at line %(line)d, column %(col)d.")
                % {"msg": error.msg, "line": error.lineno, "col": error.colno}
            ]
        ) from None
    except RecursionError:
        raise AreaImportError([_("The file is nested too deeply to be read.")]) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data], "crs": data.get("crs")}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise AreaImportError([_("The file must be a GeoJSON FeatureCollection of polygons.")])
    if not isinstance(data.get("features"), list) or not data["features"]:
        raise AreaImportError([_("The file holds no features.")])
    return data


def _unreadable(raw: Any, error: Exception) -> str:
    """Why shapely could not read a GeoJSON geometry, in the user's language (shapely's own
    messages are English and name Python types)."""
    if not isinstance(raw, dict) or not raw.get("type"):
        return _("the feature has no geometry")
    if isinstance(error, shapely.errors.GeometryTypeError):
        return _("“%(type)s” is not a GeoJSON geometry type") % {"type": str(raw["type"])[:40]}
    if "coordinates" not in raw:
        return _("the geometry has no coordinates")
    if "at least 4 coordinates" in str(error):
        return _("a ring has fewer than four points (the last repeats the first)")
    return _("the coordinates must be pairs of numbers in rings of at least four points")


def _geometry_type(geometry: BaseGeometry) -> str:
    return {
        "Point": _("a point"),
        "MultiPoint": _("points"),
        "LineString": _("a line"),
        "LinearRing": _("a line"),
        "MultiLineString": _("lines"),
        "GeometryCollection": _("a geometry collection"),
        "Polygon": _("an empty polygon"),
        "MultiPolygon": _("an empty polygon"),
    }.get(geometry.geom_type, geometry.geom_type)


def _validity_reasons() -> list[tuple[str, str]]:
    """GEOS's reasons for an invalid polygon (shapely.validation.explain_validity), the most
    specific first, in the user's language."""
    return [
        ("Ring Self-intersection", _("a ring touches itself")),
        ("Self-intersection", _("the boundary crosses itself")),
        ("Hole lies outside shell", _("a hole lies outside the polygon")),
        ("Holes are nested", _("a hole lies inside another hole")),
        ("Interior is disconnected", _("holes cut the polygon into pieces")),
        ("Nested shells", _("a part of the multipolygon lies inside another part")),
        ("Duplicate Rings", _("a ring occurs twice")),
        ("Too few", _("a ring has too few distinct points")),
        ("Invalid Coordinate", _("a coordinate is not a number")),
        ("Ring is not closed", _("a ring does not end where it begins")),
        ("Repeated Point", _("a point is repeated")),
    ]


def _invalidity(geometry: BaseGeometry) -> str:
    """Why the polygon is invalid and where (in the file's own coordinates)."""
    text = explain_validity(geometry)
    reason = next(
        (swedish for english, swedish in _validity_reasons() if text.startswith(english)),
        _("the polygon is not valid"),
    )
    where = text.partition("[")[2].rstrip("]").split()
    try:
        x, y = float(where[0]), float(where[1])
    except (IndexError, ValueError):
        return reason
    if not (math.isfinite(x) and math.isfinite(y)):
        return reason
    decimals = 0 if abs(x) > 1000 or abs(y) > 1000 else 5  # metres (SWEREF 99 TM) or degrees
    return _("%(reason)s at x = %(x)s, y = %(y)s") % {
        "reason": reason,
        "x": number_format(x, decimals),
        "y": number_format(y, decimals),
    }


def _parse_geometry(
    feature: dict[str, Any], label: str, crs: str | None, errors: list[str]
) -> tuple[BaseGeometry, BaseGeometry] | None:
    raw = feature.get("geometry")
    try:
        geometry = shape(raw or {})
    except Exception as error:  # shapely raises several types for malformed input
        errors.append(
            _("%(label)s: the geometry cannot be read: %(reason)s.")
            % {"label": label, "reason": _unreadable(raw, error)}
        )
        return None
    if not isinstance(geometry, Polygon | MultiPolygon) or geometry.is_empty:
        errors.append(
            _("%(label)s: the geometry must be a polygon or multipolygon, not %(type)s.")
            % {"label": label, "type": _geometry_type(geometry)}
        )
        return None
    if not geometry.is_valid:
        errors.append(
            _("%(label)s: invalid polygon (%(reason)s).")
            % {"label": label, "reason": _invalidity(geometry)}
        )
        return None
    projected = crs == "EPSG:3006" or (crs is None and looks_projected(geometry))
    if projected:
        return geometry_to_wgs84(geometry), geometry
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        errors.append(
            _("%(label)s: the coordinates are neither WGS 84 nor SWEREF 99 TM.") % {"label": label}
        )
        return None
    return geometry, geometry_to_sweref(geometry)


def _check_inside(
    parsed: ParsedArea, boundary: BaseGeometry | None, label: str, errors: list[str]
) -> None:
    if boundary is None:
        return
    outside = parsed.sweref.difference(boundary).area
    if outside > MAX_SHARE_OUTSIDE * parsed.sweref.area:
        share = round(100 * outside / parsed.sweref.area)
        errors.append(
            _("%(label)s (“%(name)s”): %(share)d %% of the area lies outside the municipality.")
            % {"label": label, "name": parsed.name, "share": share}
        )


def municipality_boundary_sweref(municipality: Municipality) -> BaseGeometry | None:
    if not municipality.boundary:
        return None
    boundary = geometry_to_sweref(shape(municipality.boundary))
    return shapely.buffer(boundary, BOUNDARY_TOLERANCE_M)


def parse_areas(
    raw: bytes | str,
    municipality: Municipality,
    *,
    crs: str | None = None,
    name_field: str | None = None,
    code_field: str | None = None,
    population_field: str | None = None,
) -> list[ParsedArea]:
    """Read and check a GeoJSON file; raises AreaImportError listing every problem."""
    data = _load(raw)
    crs = crs or _declared_crs(data)
    boundary = municipality_boundary_sweref(municipality)
    errors: list[str] = []
    parsed: list[ParsedArea] = []
    seen: set[str] = set()
    for number, feature in enumerate(data["features"], start=1):
        label = _("Feature %(number)d") % {"number": number}
        properties = (feature or {}).get("properties") or {}
        name = str(_pick(properties, NAME_FIELDS, name_field) or "").strip()
        if not name:
            errors.append(
                _("%(label)s: no name (give the name property with --name-field).")
                % {"label": label}
            )
            continue
        if name.lower() in seen:
            errors.append(
                _("%(label)s: the name “%(name)s” occurs twice in the file.")
                % {"label": label, "name": name}
            )
            continue
        seen.add(name.lower())
        population = _pick(properties, POPULATION_FIELDS, population_field)
        if population not in (None, ""):
            try:
                population = int(population)
                if population < 0:
                    raise ValueError
            except (TypeError, ValueError):
                errors.append(
                    _("%(label)s: the population “%(value)s” is not a whole number.")
                    % {"label": label, "value": population}
                )
                continue
        else:
            population = None
        geometries = _parse_geometry(feature, label, crs, errors)
        if geometries is None:
            continue
        area = ParsedArea(
            name=name[:150],
            code=str(_pick(properties, CODE_FIELDS, code_field) or "")[:40],
            population=population,
            wgs84=geometries[0],
            sweref=geometries[1],
        )
        _check_inside(area, boundary, label, errors)
        parsed.append(area)
    if errors:
        raise AreaImportError(errors)
    return parsed


def _write(municipality: Municipality, kind: str, parsed: list[ParsedArea]) -> ImportResult:
    result = ImportResult()
    existing = {
        a.name.lower(): a for a in Area.objects.filter(municipality=municipality, kind=kind)
    }
    for item in parsed:
        minx, miny, maxx, maxy = item.sweref.bounds
        values = {
            "name": item.name,
            "code": item.code,
            "population": item.population,
            "geometry": mapping(item.wgs84),
            "min_x": minx,
            "min_y": miny,
            "max_x": maxx,
            "max_y": maxy,
            "area_m2": item.sweref.area,
        }
        area = existing.get(item.name.lower())
        if area is None:
            Area.objects.create(municipality=municipality, kind=kind, **values)
            result.created += 1
        else:
            for key, value in values.items():
                setattr(area, key, value)
            area.save()
            result.updated += 1
        result.names.append(item.name)
    return result


def import_areas(
    municipality: Municipality,
    raw: bytes | str,
    *,
    kind: str,
    actor: Any = None,
    access: Access | None = None,
    **options: Any,
) -> ImportResult:
    """Import polygons; all or nothing. Re-importing the same file updates, never duplicates
    (areas are matched on municipality, kind and name)."""
    if access is not None:
        access.require(Permission.MANAGE_AREAS)
        if access.municipality.pk != municipality.pk:
            raise PermissionDenied
    if kind not in AreaKind.values:
        raise AreaImportError([_("Unknown kind of area: %(kind)s.") % {"kind": kind}])
    parsed = parse_areas(raw, municipality, **options)
    with transaction.atomic():
        result = _write(municipality, kind, parsed)
        record(
            AuditAction.AREAS_IMPORTED,
            actor=actor,
            municipality=municipality,
            object_repr=_("%(n)d areas (%(kind)s)") % {"n": len(parsed), "kind": kind},
            changes={"created": result.created, "updated": result.updated, "kind": kind},
        )
    return result


@dataclass
class BoundaryResult:
    created: int = 0
    updated: int = 0
    missing: list[str] = field(default_factory=list)  # areas of the kind not in the file


def parse_boundaries(
    source: bytes | Path, municipality: Municipality, *, kind: str, layer: str | None = None
) -> list[ParsedArea]:
    """This kommun's DeSO or RegSO from SCB's GeoPackage or GeoJSON, checked by the same
    geometry validator as every other area file; raises AreaImportError listing every problem."""
    if kind not in boundaries.LAYOUTS:
        raise AreaImportError(
            [_("SCB's boundaries are imported as DeSO or RegSO, not %(kind)s.") % {"kind": kind}]
        )
    kommun = municipality.scb_code
    try:
        if boundaries.is_geopackage(source):
            read = boundaries.read_geopackage(source, kind, kommun, layer)
        else:
            raw = source.read_bytes() if isinstance(source, Path) else source
            read = boundaries.read_geojson(_load(raw), kind, kommun)
    except boundaries.BoundaryFileError as error:
        raise AreaImportError(error.errors) from None
    except OSError as error:
        raise AreaImportError([_("Cannot read the file: %(error)s") % {"error": error}]) from None
    if not read.features:
        raise AreaImportError(
            [
                _("The file holds no %(kind)s of the municipality %(name)s (kommun code %(code)s).")
                % {
                    "kind": boundaries.LAYOUTS[kind].label,
                    "name": municipality.name,
                    "code": kommun,
                }
            ]
        )
    boundary = municipality_boundary_sweref(municipality)
    errors: list[str] = []
    parsed: list[ParsedArea] = []
    seen: set[str] = set()
    for feature in read.features:
        label = _("Feature %(number)d (%(code)s)") % {
            "number": feature.number,
            "code": feature.code or "–",
        }
        if not feature.code:
            errors.append(_("%(label)s: no area code.") % {"label": label})
            continue
        problem = bounds.text_problem(feature.code, 40) or bounds.text_problem(feature.name, 150)
        if problem is not None:
            errors.append(
                _("%(label)s: the code or the name: %(problem)s")
                % {"label": label, "problem": problem}
            )
            continue
        if feature.code in seen or feature.name.lower() in seen:
            errors.append(
                _("%(label)s: the code or the name occurs twice in the file.") % {"label": label}
            )
            continue
        seen |= {feature.code, feature.name.lower()}
        if feature.error is not None:
            errors.append(
                _("%(label)s: the geometry cannot be read: %(reason)s.")
                % {"label": label, "reason": feature.error}
            )
            continue
        geometries = _parse_geometry({"geometry": feature.geometry}, label, read.crs, errors)
        if geometries is None:
            continue
        area = ParsedArea(
            name=feature.name,
            code=feature.code,
            population=None,
            wgs84=geometries[0],
            sweref=geometries[1],
        )
        _check_inside(area, boundary, label, errors)
        parsed.append(area)
    if errors:
        raise AreaImportError(errors)
    return parsed


def _match_boundaries(
    municipality: Municipality, kind: str, parsed: list[ParsedArea]
) -> tuple[list[tuple[ParsedArea, Area | None]], list[Area]]:
    """Each parsed area with the area it updates (same code, else same name), and the areas of
    the kind that the file does not hold. Raises AreaImportError on a name taken by another."""
    existing = list(Area.objects.filter(municipality=municipality, kind=kind))
    by_code = {a.code.upper(): a for a in existing if a.code}
    by_name = {a.name.lower(): a for a in existing}
    pairs: list[tuple[ParsedArea, Area | None]] = []
    errors: list[str] = []
    for item in parsed:
        area = by_code.get(item.code) or by_name.get(item.name.lower())
        holder = by_name.get(item.name.lower())
        if holder is not None and area is not None and holder.pk != area.pk:
            errors.append(
                _("%(code)s: another area of this kind is already called “%(name)s”.")
                % {"code": item.code, "name": item.name}
            )
        pairs.append((item, area))
    if errors:
        raise AreaImportError(errors)
    matched = {area.pk for _item, area in pairs if area is not None}
    return pairs, [a for a in existing if a.pk not in matched]


def import_boundaries(
    municipality: Municipality,
    source: bytes | Path,
    *,
    kind: str,
    actor: Any = None,
    access: Access | None = None,
    layer: str | None = None,
) -> BoundaryResult:
    """SCB's DeSO or RegSO boundaries of this kommun as areas; all or nothing. Areas are matched
    on their code, so re-importing updates; an area the file no longer holds is reported, not
    deleted (its incidents and history stay). Population figures are kept."""
    if access is not None:
        access.require(Permission.MANAGE_AREAS)
        if access.municipality.pk != municipality.pk:
            raise PermissionDenied
    parsed = parse_boundaries(source, municipality, kind=kind, layer=layer)
    result = BoundaryResult()
    with transaction.atomic():
        pairs, missing = _match_boundaries(municipality, kind, parsed)
        for item, area in pairs:
            minx, miny, maxx, maxy = item.sweref.bounds
            values = {
                "name": item.name,
                "code": item.code,
                "geometry": mapping(item.wgs84),
                "min_x": minx,
                "min_y": miny,
                "max_x": maxx,
                "max_y": maxy,
                "area_m2": item.sweref.area,
            }
            if area is None:
                Area.objects.create(municipality=municipality, kind=kind, **values)
                result.created += 1
            else:
                for key, value in values.items():
                    setattr(area, key, value)
                area.save()
                result.updated += 1
        result.missing = sorted(a.name for a in missing)
        record(
            AuditAction.AREAS_IMPORTED,
            actor=actor if access is None else access.user,
            municipality=municipality,
            object_repr=_("%(n)d areas (%(kind)s)") % {"n": len(parsed), "kind": kind},
            changes={
                "kind": kind,
                "source": "scb_boundaries",
                "created": result.created,
                "updated": result.updated,
                # As a pair, or a list of two names would read as [old, new].
                "not_in_file": [None, result.missing],
            },
        )
    return result


def delete_area(access: Access, area: Area) -> None:
    access.require(Permission.MANAGE_AREAS)
    if area.municipality_id != access.municipality.pk:
        raise PermissionDenied
    with transaction.atomic():
        record(
            AuditAction.AREA_DELETED, actor=access.user, municipality=access.municipality, obj=area
        )
        area.delete()
