"""Small-count suppression on every aggregate route a viewer can reach: with only one and two
incidents in the municipality, no count of 1 or 2 may reach a viewer anywhere."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver

from samtrygg.incidents.categories import seed_categories
from samtrygg.tenancy.roles import Role

from .. import factories
from ..conftest import World
from ..incidents.test_incidents import report

pytestmark = pytest.mark.usefixtures("swedish")
COUNT_KEYS = {"count", "previous", "total", "previous_total", "value", "open", "overdue"}
AGGREGATE_PREFIXES = ("situation_", "dashboard", "weekly_picture", "report_document_")


def aggregate_urls(world: World) -> list[str]:
    """Every route of the situation picture, dashboard and documents (new ones join by name)."""
    urls = []
    for entry in get_resolver().url_patterns:
        for sub in getattr(entry, "url_patterns", []):
            if isinstance(sub, URLPattern) and (sub.name or "").startswith(AGGREGATE_PREFIXES):
                path = str(sub.pattern).replace("<id:report_id>", str(world.situation_report().pk))
                path = path.replace("<id:analysis_id>", str(_analysis(world).pk))
                urls.append(f"/k/{world.a.slug}/{path}")
    return urls


def _analysis(world: World) -> Any:
    """The tertial analysis that holds the test's incidents (final: viewers may read it)."""
    from samtrygg.situation.models import PeriodAnalysis

    return PeriodAnalysis.objects.get(municipality=world.a)


def small_numbers_in_json(data: Any, key: str = "") -> list[str]:
    found = []
    if isinstance(data, dict):
        for k, v in data.items():
            found += small_numbers_in_json(v, k)
    elif isinstance(data, list):
        if key == "cells":  # grid: [south, west, north, east, count]
            found += [str(c) for c in data if isinstance(c, list) and c[4] in (1, 2)]
        else:
            for v in data:
                found += small_numbers_in_json(v, key)
    elif key in COUNT_KEYS and data in (1, 2):
        found.append(f"{key}={data}")
    return found


def docx_text(raw: bytes) -> str:
    """The text of every paragraph and table cell of a Word file, read from its XML."""
    import zipfile
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        root = ElementTree.fromstring(archive.read("word/document.xml"))  # noqa: S314
    namespace = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return "\n".join(
        "".join(t.text or "" for t in paragraph.iter(f"{namespace}t"))
        for paragraph in root.iter(f"{namespace}p")
    )


def small_numbers_in_text(text: str) -> list[str]:
    """Counts of 1 or 2 written as counts in a document: "1 händelse", "2 händelser"."""
    return re.findall(r"(?<![\d,.])[12] händelser?\b", text)


def assert_rows_hidden(url: str, text: str) -> None:
    """The document's rows for the two categories (1 klotter, 3 brand: the 3 hidden so that the
    1 cannot be subtracted) and for Centrum (3 of 4, the fourth outside every area) read "dolt",
    never the number; a caption or the method appendix saying "dolt" does not count."""
    assert not small_numbers_in_text(text), (url, small_numbers_in_text(text))
    rows = re.findall(r"(Klotter|Brand / anlagd brand)\s+(\S+)", text)
    assert all(value != "1" and value != "2" for _label, value in rows), (url, rows)
    if "/lagesbild/week/" not in url:  # the lägesbild's table of categories
        assert ("Klotter", "dolt") in rows and ("Brand / anlagd brand", "dolt") in rows, (url, rows)
    areas = re.findall(r"Centrum\s+(\S+)", text)
    assert "dolt" in areas and "3" not in areas, (url, areas)


def test_no_count_under_three_reaches_a_viewer(world: World, client: Client) -> None:
    from datetime import date, datetime, time, timedelta

    from django.utils import timezone

    from samtrygg.situation.models import SituationReport

    # In the last completed week, which a viewer may choose (and so in its month and year).
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    when = datetime.combine(monday + timedelta(days=2), time(12), timezone.get_default_timezone())
    seed_categories(world.a)
    report(world, world.bob, world.a_org, occurred_at=when)
    # Two fires in Centrum and one outside every area: Centrum's 3 is hidden too, or the total
    # minus Centrum would tell the lone one outside.
    for offset in (0.005, 0.006, 0.05):
        report(
            world,
            world.bob,
            world.a_org,
            code="brand",
            lat=factories.HALMSTAD_LAT + offset,
            occurred_at=when,
        )
    viewer = factories.member(world.a_org, Role.VIEWER, "politiker@example.se")
    client.force_login(viewer)
    # An approved lägesbild over the days of these incidents, so that its documents do hold
    # small counts (a document over an empty year would pass whatever it suppressed).
    SituationReport.objects.create(
        municipality=world.a,
        title="Lägesbild med små tal",
        period_start=monday,
        period_end=monday + timedelta(days=6),
        status="approved",
        approved_body="Kommunstyrelsen",
        approved_on=today,
        next_update_due=today + timedelta(days=700),
    )
    # The tertial analysis of the tertial these incidents fall in, made final as above (the
    # service would refuse a tertial not yet over): its tables must hide the same cells.
    from samtrygg.situation.models import PeriodAnalysis

    number = (monday.month - 1) // 4 + 1
    PeriodAnalysis.objects.create(
        municipality=world.a,
        kind="tertial",
        year=monday.year,
        number=number,
        period_start=date(monday.year, 4 * number - 3, 1),
        period_end=date(monday.year + (number == 3), 1 if number == 3 else 4 * number + 1, 1)
        - timedelta(days=1),
        status="final",
    )
    urls = aggregate_urls(world)
    year, week, _day = today.isocalendar()
    urls += [
        f"/k/{world.a.slug}/lagesbild/week/?week={year}-W{week:02d}&format={fmt}"
        for fmt in ("pdf", "docx")
    ]
    assert len(urls) >= 19  # layers, tables, dashboard blocks, weekly picture, documents
    for url in urls:
        for query in ("", "?period=week", "?period=year"):
            response = client.get(url + query)
            assert response.status_code == 200, (url, response.status_code)
            kind = response["Content-Type"]
            body = response.content
            if "json" in kind:
                assert small_numbers_in_json(json.loads(body)) == [], url
            elif "csv" in kind:
                rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
                for row in rows:
                    for column, value in row.items():
                        if column in COUNT_KEYS or column.startswith(("count", "previous")):
                            assert value not in ("1", "2"), (url, row)
                if "points" in url:
                    assert rows == []
            elif "pdf" in kind:
                text = "".join(
                    page.get_textpage().get_text_range() for page in pdfium.PdfDocument(body)
                )
                assert_rows_hidden(url, text)
            elif "wordprocessingml" in kind:
                assert_rows_hidden(url, docx_text(body))
    weekly = client.get(f"/k/{world.a.slug}/lagesbild/week/").content.decode()
    assert "<strong>4</strong>" in weekly  # the week's total; its categories and Centrum hidden
    # The same picture e-mailed to the distribution list (people outside the staff, too).
    from django.core import mail

    from samtrygg.situation import weekly_picture
    from samtrygg.situation.models import WeeklyPictureSettings

    WeeklyPictureSettings.objects.create(municipality=world.a, recipients="kf@example.se")
    year, week, _day = monday.isocalendar()
    assert weekly_picture.send(world.a, year, week) == 1
    for name, content, kind in mail.outbox[-1].attachments:
        text = (
            "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(content))
            if kind == "application/pdf"
            else docx_text(content)
        )
        assert_rows_hidden(f"/lagesbild/week/ e-mail {name}", text)
