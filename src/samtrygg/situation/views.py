"""The situation map: one page whose state lives in the URL, JSON layers, equivalent tables,
and CSV downloads of every table."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dates import WEEKDAYS_ABBR

from samtrygg.areas.queries import areas as area_queries
from samtrygg.exchange.exports import SafeCsvWriter
from samtrygg.exchange.police_types import counts_by_category, events_for
from samtrygg.incidents.models import Source, Status
from samtrygg.incidents.queries import categories as category_queries
from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.queries import organisations as organisation_queries
from samtrygg.tenancy.roles import Permission

from . import layers
from .dashboard import Dashboard
from .disclosure import CALENDAR_PERIODS
from .filters import LAYERS, PERIODS, SituationFilters

TABLE_ROWS = 200


def _periods(view: layers.View) -> list[tuple[str, Any]]:
    """The periods this user may choose: completed calendar periods for aggregates only."""
    return list((CALENDAR_PERIODS if view.aggregates_only else PERIODS).items())


def _view(request: HttpRequest, access: Access) -> layers.View:
    return layers.View(access, SituationFilters.from_query(request.GET))


def _police_context(view: layers.View) -> dict[str, Any]:
    """Polisen's events in the period: municipality-level counts by category, and the
    county-level ones apart (context, never points)."""
    first, last = view.filters.dates()
    events = events_for(view.access.municipality).filter(
        occurred_at__date__gte=first, occurred_at__date__lte=last
    )
    own = events.filter(municipality_code=view.access.municipality.scb_code)
    county = events.exclude(municipality_code=view.access.municipality.scb_code)
    rows = sorted(counts_by_category(view.access.municipality, own).items(), key=lambda r: -r[1])
    return {"rows": rows, "county": county.count()}


@municipality_view()
def situation_map(request: HttpRequest, access: Access) -> HttpResponse:
    view = _view(request, access)
    first, last = view.filters.dates()
    slug = access.municipality.slug
    layer_urls = {
        name: reverse(f"situation_layer_{name}", args=[slug]) for name in layers.LAYER_FUNCTIONS
    }
    context = {
        "filters": view.filters,
        "periods": _periods(view),
        "layer_names": LAYERS,
        "first": first,
        "last": last,
        "total": layers.total(view),
        "categories": list(category_queries(access, active_only=False)),
        "areas": list(area_queries(access).only("name")),
        "organisations": list(organisation_queries(access).order_by("name")),
        "statuses": Status.choices,
        "sources": Source.choices,
        "layer_urls": layer_urls,
        "query": view.filters.query(),
        "aggregates_only": view.aggregates_only,
        "area_rows": layers.areas(view)["areas"],
        "hotspot_rows": [f["properties"] for f in layers.hotspots(view)["features"]],
        "grid_rows": layers.grid_table(view),
        "point_rows": [f["properties"] for f in layers.points(view, TABLE_ROWS)["features"]],
        "assessment_rows": _assessment_rows(view),
        "police": _police_context(view),
        "threshold": view.threshold,
        "can_plan": access.can(Permission.EDIT_PLANS),
    }
    return render(request, "situation/map.html", context)


def _assessment_rows(view: layers.View) -> list[tuple[str, str]]:
    levels = layers.assessments(view)["areas"]
    names = dict(area_queries(view.access).values_list("pk", "name"))
    return sorted((names.get(int(k), k), v) for k, v in levels.items())


@municipality_view()
def situation_layer(request: HttpRequest, access: Access, layer: str) -> JsonResponse:
    view = _view(request, access)
    data = layers.LAYER_FUNCTIONS[layer](view)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-cache"
    return response


TABLES = {
    "areas": ("name", "count", "previous", "population", "rate"),
    "grid": ("area", "count", "lat", "lon"),
    "hotspots": ("area", "kind", "confidence", "z", "count", "cell"),
    "points": ("id", "category", "when", "status"),
}


@municipality_view()
def situation_table_csv(request: HttpRequest, access: Access, table: str) -> HttpResponse:
    """A layer's table as CSV (";" and BOM, for Swedish Excel), with the same suppression."""
    view = _view(request, access)
    if table == "areas":
        rows = layers.areas(view)["areas"]
    elif table == "grid":
        rows = layers.grid_table(view, limit=100_000)
    elif table == "hotspots":
        rows = [f["properties"] for f in layers.hotspots(view)["features"]]
    else:
        rows = [f["properties"] for f in layers.points(view)["features"]]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lagesbild-{table}.csv"'
    response.write("\ufeff")
    writer = SafeCsvWriter(response)  # names neutralised like free text
    writer.writerow(TABLES[table])
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in TABLES[table]])
    return response


def _dashboard(request: HttpRequest, access: Access) -> Dashboard:
    return Dashboard(_view(request, access))


@municipality_view()
def dashboard(request: HttpRequest, access: Access) -> HttpResponse:
    board = _dashboard(request, access)
    first, last = board.view.filters.dates()
    trend = board.weekly_trend()
    weekday_hour = board.weekday_hour()
    context = {
        "filters": board.view.filters,
        "periods": _periods(board.view),
        "first": first,
        "last": last,
        "query": board.view.filters.query(),
        "aggregates_only": board.view.aggregates_only,
        "threshold": board.view.threshold,
        "key_figures": board.key_figures(),
        "trend": trend,
        "trend_rows": _trend_rows(trend),
        "weekday_hour": list(zip(WEEKDAYS, weekday_hour["matrix"], strict=True)),
        "weekday_hour_columns": weekday_hour["columns"],
        "weekday_hour_max": max(
            (v for row in weekday_hour["matrix"] for v in row if v is not None), default=0
        ),
        "weekdays": WEEKDAYS,
        "top_areas": board.top_areas(),
        "concentration": board.concentration(),
        "near_repeat": board.near_repeat(),
        "emerging": board.emerging(),
        "missing": board.missing_reports(),
        "reported_crime": _reported_crime(access),
    }
    return render(request, "situation/dashboard.html", context)


def _reported_crime(access: Access) -> dict[str, Any]:
    """Brå's reported crime per 100 000 for the last ten years up to this one (the latest year
    imported is shown), against the county, the country and the SKR group: the reference data
    the EST figures are read beside. Public statistics: the same for every role."""
    from datetime import date

    from django.utils import timezone

    from .report_content import Period, reported_crime

    year = timezone.localdate().year
    return reported_crime(access.municipality, Period(date(year, 1, 1), date(year, 12, 31)))


# Django's own translated abbreviations (Monday first, as the matrix).
WEEKDAYS = [WEEKDAYS_ABBR[day] for day in range(7)]


def _trend_rows(trend: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """The trend chart's data as table rows: week → count per category."""
    rows = []
    for index, week in enumerate(trend["weeks"]):
        rows.append((week, [series["counts"][index] for series in trend["series"]]))
    return rows


DASHBOARD_CSV = ("key-figures", "trend", "weekday-hour", "areas", "emerging")


@municipality_view()
def dashboard_csv(request: HttpRequest, access: Access, block: str) -> HttpResponse:
    board = _dashboard(request, access)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{block}.csv"'
    response.write("\ufeff")
    writer = SafeCsvWriter(response)  # names neutralised like free text

    def cell(value: Any) -> Any:
        return "" if value is None else value

    if block == "key-figures":
        writer.writerow(["figure", "value", "change_percent"])
        for row in board.key_figures():
            writer.writerow([row["label"], cell(row["value"]), cell(row["change_percent"])])
    elif block == "trend":
        trend = board.weekly_trend()
        writer.writerow(["week", *[s["category"] for s in trend["series"]]])
        for week, values in _trend_rows(trend):
            writer.writerow([week, *[cell(v) for v in values]])
    elif block == "weekday-hour":
        table = board.weekday_hour()
        writer.writerow(["weekday", *table["columns"]])
        for name, row in zip(WEEKDAYS, table["matrix"], strict=True):
            writer.writerow([name, *[cell(v) for v in row]])
    elif block == "areas":
        writer.writerow(["area", "count", "previous", "change_percent", "p", "significant"])
        for row in board.top_areas():
            writer.writerow(
                [
                    row["name"],
                    *[cell(row[k]) for k in ("count", "previous", "change_percent", "p")],
                    row["significant"],
                ]
            )
    else:
        writer.writerow(["kind", "area", "squares"])
        for row in board.emerging():
            writer.writerow([row["kind"], row["area"], row["squares"]])
    return response
