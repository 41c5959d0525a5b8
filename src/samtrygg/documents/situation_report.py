"""The statutory lägesbild as PDF (WeasyPrint, from an HTML template) and Word (python-docx):
the same content, maps and charts in both, in Swedish, with page numbers, a table of contents,
the three parts of 4 §, the sources, the approval block and an appendix of method notes."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.template.loader import render_to_string
from django.utils import timezone, translation

from samtrygg.analysis.kde import kde
from samtrygg.areas.models import Area
from samtrygg.areas.population import day_population_note
from samtrygg.core import formatting
from samtrygg.situation.geometry import HEAT_BANDWIDTH_M, geometry_for
from samtrygg.situation.localtime import day_number, local_days
from samtrygg.situation.models import SituationReport
from samtrygg.situation.report_content import build
from samtrygg.situation.snapshot import snapshot
from samtrygg.tenancy.models import Municipality

from . import charts

FINDING_KINDS = ("hotspots", "emerging", "near_repeat", "alerts", "concentration", "trend")
METHOD_NOTES = [
    (
        "Urval",
        "Händelser som rapporterats i Samtrygg under perioden. Sammanslagna dubbletter räknas en "
        "gång och avvisade rapporter inte alls. Kategorier med begränsad synlighet (t.ex. hot mot "
        "personal) ingår inte i detta dokument, som kan lämnas ut. Antal under {threshold} visas "
        "inte, och inte heller antal som annars kunde räknas fram ur dem genom subtraktion: "
        "båda står som ”dolt”. Tid på dygnet redovisas i fyra block om sex timmar.",
    ),
    (
        "Heta punkter",
        "Getis-Ord Gi* på rutor om 250 × 250 m i SWEREF 99 TM med grannar inom en ruta "
        "(de åtta omgivande rutorna, även diagonalt, och rutan själv). Signifikans med "
        "normalapproximation och kontroll av andelen falska upptäckter (Benjamini–Hochberg) på "
        "99, 95 och 90 %. I texten kallas de heta punkter och beskrivs som andel av ytan och av "
        "händelserna.",
    ),
    (
        "Täthet",
        "Kärnskattning med kvartisk kärna, bandbredd 300 m, rutor om 100 m; händelser per km².",
    ),
    (
        "Framväxande heta punkter",
        "Gi* i rum och tid per vecka och Mann–Kendalls trendtest, klassat som i ArcGIS Emerging "
        "Hot Spot Analysis (ny, sammanhängande, intensifierad, ihållande, avtagande, sporadisk, "
        "pendlande, historisk).",
    ),
    (
        "Upprepad utsatthet",
        "Knox-test (som Near Repeat Calculator) på bränder, skadegörelse och klotter: avstånd "
        "0–200 m och tid 0–7 dagar mot slumpmässigt omfördelade tider, 99 permutationer.",
    ),
    (
        "Förändring och larm",
        "Jämförelse med perioden före med exakt Poissontest. Larm per vecka och kategori med "
        "Farringtons metod mot samma veckor ±3 tidigare år (99 %).",
    ),
    (
        "Koncentration",
        "Andelen av periodens händelser som inträffade i de 10 % av platserna (rutor om 250 m med "
        "minst en händelse) som hade flest händelser.",
    ),
]
# How each emerging hot-spot class reads to a politician (the class names stay in the appendix).
EMERGING_SV = {
    "new": "blivit en het punkt för första gången",
    "consecutive": "varit heta punkter de senaste veckorna i rad",
    "intensifying": "varit heta punkter med allt fler händelser",
    "persistent": "varit heta punkter nästan hela tiden",
    "diminishing": "varit heta punkter men med allt färre händelser",
    "sporadic": "då och då varit heta punkter",
    "oscillating": "växlat mellan få och många händelser",
    "historical": "varit heta punkter tidigare men inte nu",
}


@dataclass
class DocumentData:
    municipality: Municipality
    title: str
    first: date
    last: date
    content: dict[str, Any]
    images: dict[str, str]  # name → base64 PNG
    findings: list[dict[str, Any]]  # kind, text, key (the accepted ones)
    other_information: str = ""
    analysis_text: str = ""
    sources_left_out: list[str] = field(default_factory=list)
    status: str = "draft"
    version: int = 1
    approval: dict[str, Any] = field(default_factory=dict)
    generated_at: str = ""
    # The parties' own lägesbilder for part 2 (situation/contributions.for_document).
    contributions: list[dict[str, Any]] = field(default_factory=list)


def _places(n: int) -> str:
    return "1 plats" if n == 1 else f"{formatting.number(n)} platser"


def generated_findings(content: dict[str, Any]) -> list[tuple[str, str]]:
    """Plain-language findings from the figures, for the analyst to accept, edit or drop (in
    Swedish, whatever language the analyst uses: they go into the document)."""
    with translation.override("sv"):
        return _generated_findings(content)


# The order suggestions are ranked in: what a politician most needs to know first.
RANK = ["trend", "alerts", "hotspots", "concentration", "emerging", "near_repeat"]
# The summary's key messages (Brå: 3–5): those the coordinator marked, else the first accepted
# findings in rank order.
KEY_MESSAGES = 5


def split_findings(
    findings: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the summary's key messages, the other accepted findings for the analysis): each printed
    once, in the PDF and Word alike."""
    chosen = [f for f in findings if f.get("key")]
    key = chosen[:KEY_MESSAGES] if chosen else findings[:KEY_MESSAGES]
    return key, [f for f in findings if f not in key]


def _generated_findings(content: dict[str, Any]) -> list[tuple[str, str]]:
    """Ranked suggestions, each ending with its basis in one line ("Underlag: …"), so that a
    reader can judge it without the method appendix."""
    found = [(kind, f"{text} {_basis(kind, content)}") for kind, text in _findings(content)]
    return sorted(found, key=lambda item: RANK.index(item[0]) if item[0] in RANK else len(RANK))


def _basis(kind: str, content: dict[str, Any]) -> str:
    places = formatting.number(content.get("places_with_incidents") or 0)
    total = "–" if content.get("total") is None else formatting.number(content["total"])
    previous = (
        "–"
        if content.get("previous_total") is None
        else formatting.number(content["previous_total"])
    )
    return {
        "hotspots": f"Underlag: periodens händelser med plats, i {places} rutor om 250 m.",
        "emerging": "Underlag: händelser med plats de senaste 12 veckorna, rutor om 250 m.",
        "near_repeat": "Underlag: bränder, skadegörelse och klotter med plats de senaste "
        "12 månaderna.",
        "alerts": "Underlag: varje vecka jämförd med samma veckor ±3 de tre åren före.",
        "concentration": f"Underlag: {places} platser (rutor om 250 m) med minst en händelse.",
        "trend": f"Underlag: {total} mot {previous} händelser, perioden mot perioden före.",
    }.get(kind, "")


def _findings(content: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for spot in content.get("hotspot_shares", [])[:5]:
        out.append(
            (
                "hotspots",
                f"Heta punkter i {spot['area']}: {formatting.percent(spot['surface_percent'], 1)} "
                f"av kommunens yta, {formatting.percent(spot['incident_percent'])} av händelserna "
                "med angiven plats.",
            )
        )
    for row in content.get("emerging", [])[:5]:
        kind = EMERGING_SV.get(row["kind"], row["kind"])
        out.append(
            (
                "emerging",
                f"I {row['area']} har {_places(row['squares'])} {kind} under de senaste veckorna.",
            )
        )
    near = content.get("near_repeat")
    if near and near["ratio"] > 1 and near["p"] < 0.05:
        out.append(
            (
                "near_repeat",
                "Efter en brand, skadegörelse eller klotter är risken för en ny inom 200 meter "
                f"förhöjd i en vecka: {formatting.number(near['ratio'], 1)} gånger så hög som "
                "väntat.",
            )
        )
    for alert in content.get("alerts", []):
        out.append(
            (
                "alerts",
                f"{alert['category']}: ovanligt många händelser under "
                f"{formatting.number(alert['weeks'])} av periodens veckor, jämfört med samma "
                "veckor tidigare år.",
            )
        )
    if content.get("concentration_top10") is not None:
        out.append(
            (
                "concentration",
                f"{formatting.percent(content['concentration_top10'])} av händelserna inträffade "
                f"på de {formatting.percent(10)} av platserna med flest händelser.",
            )
        )
    change, p = content.get("change_percent"), content.get("change_p")
    if change is not None and p is not None and p < 0.05:
        direction = "fler" if change > 0 else "färre"
        out.append(
            (
                "trend",
                f"Det var {formatting.percent(abs(change))} {direction} händelser än perioden "
                f"före, en skillnad som knappast beror på slumpen "
                f"({formatting.p_value(p)}, exakt Poissontest).",
            )
        )
    return out


def periods_text(data: DocumentData) -> str:
    """ "Period: 2025. Jämförelseperiod: 2024." in words, the same in the PDF and Word."""
    with translation.override("sv"):
        text = f"Period: {formatting.period(data.first, data.last)}."
        previous = data.content.get("previous_period")
        if previous:
            first, last = (date.fromisoformat(d) for d in previous)
            text += f" Jämförelseperiod: {formatting.period(first, last)}."
        return text


def reported_crime_table(content: dict[str, Any]) -> dict[str, Any] | None:
    """The reported-crime table that opens part 1, as text cells (the same in PDF and Word)."""
    crime = content.get("reported_crime") or {}
    if not crime.get("groups"):
        return None
    latest = crime["latest"]
    first = min(g["first_year"] for g in crime["groups"])

    def rate(value: float | None) -> str:
        return "–" if value is None else formatting.number(value)

    skr = crime.get("municipality_group")
    with_group = any(g.get("group") is not None for g in crime["groups"])
    with translation.override("sv"):
        group_note = ""
        if skr and with_group:
            group_note = (
                f" Kommungruppen är SKR:s grupp {skr['code']} {skr['label']} "
                f"({skr['size']} kommuner tillsammans)."
            )
        elif skr:
            group_note = (
                f" Jämförelse med kommungruppen ({skr['code']} {skr['label']}) saknas: Brås och "
                f"SCB:s tal finns inte för alla {skr['size']} kommuner i gruppen."
            )
        return {
            "intro": (
                f"Anmälda brott per 100 000 invånare {latest}, jämfört med länet, riket"
                + (" och kommungruppen" if with_group else "")
                + f" och med kommunen {first}. Anmälda brott speglar också hur benäget folk är "
                "att anmäla och hur mycket polisen själv upptäcker; det verkliga antalet brott är "
                "större (mörkertal)." + group_note
            ),
            "header": [
                "Brottsgrupp",
                f"Kommunen {latest}",
                f"Länet {latest}",
                f"Riket {latest}",
                *([f"Kommungruppen {latest}"] if with_group else []),
                f"Kommunen {first}",
            ],
            "rows": [
                [
                    g["label"],
                    rate(g["kommun"]),
                    rate(g["county"]),
                    rate(g["country"]),
                    *([rate(g.get("group"))] if with_group else []),
                    rate(g["first"]),
                ]
                for g in crime["groups"]
            ],
            "caveats": [f"{g['label']}: {g['caveat']}." for g in crime["groups"] if g["caveat"]],
            "source": "Källa: Brås statistik över anmälda brott och SCB:s befolkningsstatistik"
            + (f" ({'; '.join(crime['sources'])})" if crime.get("sources") else "")
            + (", SKR:s kommungruppsindelning" if skr else "")
            + ".",
        }


def small_population_note(content: dict[str, Any]) -> str:
    """The footnote for rates over fewer than 1 000 inhabitants (the same in PDF and Word)."""
    if any(r.get("small_population") and r.get("rate") is not None for r in content["by_area"]):
        return "* Färre än 1 000 invånare: talet per 1 000 invånare är osäkert."
    return ""


DAY_MARK = "†"


def day_population_notes(content: dict[str, Any]) -> list[str]:
    """A note for each area with a rate where many more people are by day than live there
    (the rule: areas.population.many_by_day; the same notes in PDF and Word)."""
    with translation.override("sv"):
        return [
            f"{DAY_MARK} {r['area']}: " + day_population_note(r["population"], r["day_population"])
            for r in content["by_area"]
            if r.get("many_by_day") and r.get("rate") is not None
        ]


def survey_table(content: dict[str, Any]) -> dict[str, Any] | None:
    """Survey results with their uncertainty, as text cells (the same in PDF and Word)."""
    rows = content.get("surveys") or []
    if not rows:
        return None
    with translation.override("sv"):
        return {
            "intro": "Andel som svarat så i procent, med 95 % konfidensintervall (talet ligger "
            "med 95 % säkerhet inom intervallet) och antalet som svarat; den första mätningen "
            "av de senaste sex åren visar utvecklingen.",
            "header": ["Fråga", "Undersökning", "År", "Andel", "95 % KI", "Svarande", "Tidigare"],
            "rows": [
                [
                    r["question"],
                    r["survey"],
                    str(r["year"]),
                    formatting.percent(r["share"], 1),
                    f"{formatting.number(r['low'], 1)}–{formatting.percent(r['high'], 1)}",
                    formatting.number(r["respondents"]),
                    f"{formatting.percent(r['first_share'], 1)} ({r['first_year']})"
                    if r["first_year"] != r["year"]
                    else "–",
                ]
                for r in rows
            ],
        }


def fire_table(content: dict[str, Any]) -> dict[str, Any] | None:
    """The räddningstjänst's fires as text cells (the same in PDF and Word)."""
    fires = content.get("fires") or {}
    if not fires.get("rows"):
        return None

    def value(number: float | None) -> str:
        return "–" if number is None else formatting.number(number)

    with translation.override("sv"):
        return {
            "header": [
                "Händelsetyp",
                f"Antal {fires['year']}",
                "Per 100 000 invånare",
                f"Antal {fires['earlier_year']}",
            ],
            "rows": [
                [r["category"], value(r["count"]), value(r["per_100k"]), value(r["earlier"])]
                for r in fires["rows"]
            ],
            "source": "Källa: räddningstjänstens insatsstatistik (MSB) och SCB:s befolkning.",
        }


def base_map_credit() -> str:
    """The base map's attribution under the maps (the same line in the PDF and Word)."""
    from django.conf import settings

    if settings.MAP_TILE_URL and settings.MAP_TILE_ATTRIBUTION:
        return f"Bakgrundskarta: {settings.MAP_TILE_ATTRIBUTION}."
    return ""


def consequences_text(content: dict[str, Any]) -> str:
    """The consequences paragraph, the same in the PDF and the Word file."""
    c = content["consequences"]
    with translation.override("sv"):
        text = (
            f"Uppskattad kostnad för skadegörelse, klotter, bränder m.m.: "
            f"{formatting.money(c['cost_total'])} ({formatting.incidents(c['with_cost'])} med "
            "kostnad angiven)."
        )
        if c["police_share"] is not None:
            text += (
                f" Andel polisanmälda händelser: {formatting.percent(c['police_share'])} (av "
                f"{formatting.number(c['police_known'])} där det är känt)."
            )
        if c["severe_share"] is not None:
            text += (
                f" Andel bedömda som allvarliga (nivå 3): {formatting.percent(c['severe_share'])}."
            )
    return text


def summary_sentence(content: dict[str, Any]) -> str:
    """The opening sentence of the summary, the same in the PDF and the Word file: the count,
    and a comparison only where one is honest (report_content._comparison)."""
    with translation.override("sv"):
        return _summary_sentence(content)


def _summary_sentence(content: dict[str, Any]) -> str:
    total, previous = content.get("total"), content.get("previous_total")
    threshold = content.get("threshold", 3)
    now = f"färre än {threshold} händelser" if total is None else formatting.incidents(total)
    comparison = content.get("comparison") or {"comparable": True}
    if comparison.get("reason") == "incomplete":
        since = comparison.get("since")
        when = formatting.day(date.fromisoformat(since)) if since else "–"
        return (
            f"Under perioden rapporterades {now}. Jämförelse med perioden före saknas: "
            f"uppgifterna i Samtrygg börjar {when}, efter jämförelseperiodens början."
        )
    before = f"färre än {threshold}" if previous is None else formatting.number(previous)
    if comparison.get("reason") == "coverage":
        n_now, n_before = comparison["organisations"]
        per_now, per_before = comparison["per_organisation"]
        per = (
            f" Per rapporterande organisation: {formatting.number(per_now, 1)} mot "
            f"{formatting.number(per_before, 1)}."
            if per_now is not None and per_before is not None
            else ""
        )
        return (
            f"Under perioden rapporterades {now} ({before} perioden före). Ingen förändring "
            f"anges: {n_now} organisationer rapporterade under perioden och {n_before} perioden "
            f"före, så skillnaden speglar framför allt hur många som rapporterar.{per}"
        )
    change = content.get("change_percent")
    shift = f", {formatting.percent(change, signed=True)}" if change is not None else ""
    return f"Under perioden rapporterades {now} ({before} perioden före{shift})."


def render_images(municipality: Municipality, content: dict[str, Any]) -> dict[str, str]:
    areas = list(Area.objects.filter(municipality=municipality).values_list("name", "geometry"))
    images: dict[str, bytes] = {}
    boundary = municipality.boundary
    if boundary:
        counts = {row["area"]: row["count"] for row in content["by_area"]}
        images["map_areas"] = charts.choropleth(boundary, areas, counts, "Händelser per område")
        geometry = geometry_for(municipality)
        if geometry is not None:
            images["map_hotspots"] = charts.hotspots(
                boundary,
                areas,
                geometry.grid,
                content.get("hotspots", []),
                "Heta punkter (Gi*, 250 m)",
            )
            images["map_density"] = _density_map(municipality, content, boundary, areas)
    crime = content.get("reported_crime") or {}
    if crime.get("groups"):
        images["chart_reported_crime"] = charts.rates_over_time(
            crime["groups"], "Anmälda brott per 100 000 invånare"
        )
    images["chart_monthly"] = charts.monthly(content["monthly"], "Händelser per månad")
    images["chart_weekday_hour"] = charts.weekday_hour(
        content["weekday_hour"], "Veckodag och timme"
    )
    images["chart_categories"] = charts.categories(content["by_category"], "Händelser per kategori")
    return {name: base64.b64encode(png).decode() for name, png in images.items()}


def _density_map(
    municipality: Municipality, content: dict[str, Any], boundary: Any, areas: Any
) -> bytes:
    geometry = geometry_for(municipality)
    assert geometry is not None  # noqa: S101
    snap = snapshot(municipality.pk)
    first, last = (date.fromisoformat(d) for d in content["period"])
    days = local_days(snap["start"])
    mask = (
        snap.counted
        & (days >= day_number(first))
        & (days <= day_number(last))
        & ~np.isnan(snap["x"])
    )
    surface = np.zeros(geometry.heat_grid.shape)
    if mask.sum() >= 3:
        surface = kde(
            snap["x"][mask], snap["y"][mask], grid=geometry.heat_grid, bandwidth=HEAT_BANDWIDTH_M
        ).density
        counts = geometry.heat_grid.counts(snap["x"][mask], snap["y"][mask])
        from scipy import ndimage

        reach = int(np.ceil(HEAT_BANDWIDTH_M / geometry.heat_grid.cell))
        nearby = (
            ndimage.uniform_filter(counts, size=2 * reach + 1, mode="constant")
            * (2 * reach + 1) ** 2
        )
        surface = np.where(nearby >= 3 - 1e-9, surface, 0.0)  # no blob from fewer than 3
    return charts.density(
        boundary, areas, geometry.heat_grid, surface, "Täthet (kärnskattning, 300 m)"
    )


def data_for_report(report: SituationReport) -> DocumentData:
    """A saved report: its frozen content if approved, else computed now."""
    from samtrygg.situation.contributions import for_document

    if report.status == "approved" and report.content.get("figures"):
        content, images = report.content["figures"], report.content["images"]
        contributions = report.content.get("contributions", [])
    else:
        content = build(report.municipality, report.period_start, report.period_end)
        images = render_images(report.municipality, content)
        contributions = for_document(report)
    findings = [
        {"kind": f.kind, "text": f.final_text, "key": f.key_message}
        for f in report.findings.all()
        if f.decision in ("accepted", "edited")
    ]
    approval = {}
    if report.status == "approved":
        approval = {
            "body": report.approved_body,
            "date": report.approved_on,
            "diarienummer": report.diarienummer,
            "by": report.approved_by.full_name or report.approved_by.email
            if report.approved_by
            else "",
            "next_update_due": report.next_update_due,
        }
    return DocumentData(
        municipality=report.municipality,
        title=report.title,
        first=report.period_start,
        last=report.period_end,
        content=content,
        images=images,
        findings=findings,
        other_information=report.other_information,
        analysis_text=report.analysis_text,
        sources_left_out=[
            line.strip() for line in report.sources_left_out.splitlines() if line.strip()
        ],
        status=report.status,
        version=report.version,
        approval=approval,
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        contributions=contributions,
    )


def data_for_period(municipality: Municipality, first: date, last: date) -> DocumentData:
    """A lägesbild straight from the data (the command line), every finding included."""
    content = build(municipality, first, last)
    return DocumentData(
        municipality=municipality,
        title=f"Lägesbild {municipality.name} {first:%Y-%m-%d} – {last:%Y-%m-%d}",
        first=first,
        last=last,
        content=content,
        images=render_images(municipality, content),
        findings=[{"kind": k, "text": t} for k, t in generated_findings(content)],
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    )


def _template_context(data: DocumentData) -> dict[str, Any]:
    from samtrygg.situation.contributions import FIGURE_TABLE_HEADER, figure_rows

    return {
        "d": data,
        "contributions": [{**p, "rows": figure_rows(p)} for p in data.contributions],
        "figure_header": FIGURE_TABLE_HEADER,
        "c": data.content,
        "summary": summary_sentence(data.content),
        # The summary holds the key messages; the other accepted findings go to the analysis.
        "key_messages": split_findings(data.findings)[0],
        "more_findings": split_findings(data.findings)[1],
        "consequences": consequences_text(data.content),
        "base_map": base_map_credit(),
        "reported_crime": reported_crime_table(data.content),
        "surveys": survey_table(data.content),
        "fires": fire_table(data.content),
        "small_population_note": small_population_note(data.content),
        "day_population_notes": day_population_notes(data.content),
        "day_mark": DAY_MARK,
        "periods": periods_text(data),
        "images": data.images,
        "methods": [
            (h, t.format(threshold=data.content.get("threshold", 3))) for h, t in METHOD_NOTES
        ],
    }


def pdf_bytes(data: DocumentData) -> bytes:
    from weasyprint import HTML

    with translation.override("sv"):
        html = render_to_string("documents/situation_report.html", _template_context(data))
    return HTML(string=html).write_pdf()


def docx_bytes(data: DocumentData) -> bytes:
    from .word import situation_report_docx

    with translation.override("sv"):
        document = situation_report_docx(data, _template_context(data)["methods"])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
