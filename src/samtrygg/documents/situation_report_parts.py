"""The parts of the statutory lägesbild (4 §) as documents.model.Section lists, and the texts
they are made of, in Swedish through the translation system and written by the one formatter
(samtrygg.core.formatting): documents/situation_report.document puts them together, and the PDF
and the Word file only lay them out."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from samtrygg.areas.population import day_population_note
from samtrygg.core import formatting
from samtrygg.core.templatetags import formatting as shown

from .model import Section

if TYPE_CHECKING:
    from .situation_report import DocumentData

# The summary's key messages (Brå: 3–5): those the coordinator marked, else the first accepted
# findings in rank order.
KEY_MESSAGES = 5


def split_findings(
    findings: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the summary's key messages, the other accepted findings for the analysis): each printed
    once."""
    chosen = [f for f in findings if f.get("key")]
    key = chosen[:KEY_MESSAGES] if chosen else findings[:KEY_MESSAGES]
    return key, [f for f in findings if f not in key]


def periods_text(data: DocumentData) -> str:
    """ "Period: 2025. Jämförelseperiod: 2024." in words."""
    with translation.override("sv"):
        text = gettext("Period: %(period)s.") % {"period": formatting.period(data.first, data.last)}
        previous = data.content.get("previous_period")
        if previous:
            first, last = (date.fromisoformat(d) for d in previous)
            text += " " + gettext("Comparison period: %(period)s.") % {
                "period": formatting.period(first, last)
            }
        return text


def reported_crime_table(content: dict[str, Any]) -> dict[str, Any] | None:
    """The reported-crime table that opens part 1, as text cells."""
    crime = content.get("reported_crime") or {}
    if not crime.get("groups"):
        return None
    latest = crime["latest"]
    first = min(g["first_year"] for g in crime["groups"])

    def rate(value: float | None) -> str:
        return "–" if value is None else formatting.number(value)

    skr = crime.get("municipality_group")
    with_group = any(g.get("group") is not None for g in crime["groups"])
    years = {"year": latest, "first": first}
    with translation.override("sv"):
        intro = [
            gettext(
                "Reported crimes per 100,000 inhabitants %(year)s, compared with the county, the "
                "country and the municipality group and with the municipality %(first)s."
            )
            % years
            if with_group
            else gettext(
                "Reported crimes per 100,000 inhabitants %(year)s, compared with the county and "
                "the country and with the municipality %(first)s."
            )
            % years,
            gettext(
                "Reported crime also reflects how ready people are to report and how much the "
                "police find themselves; the real number of crimes is larger (hidden crime)."
            ),
        ]
        group = {"code": skr["code"], "label": skr["label"], "size": skr["size"]} if skr else {}
        if skr and with_group:
            intro.append(
                gettext(
                    "The municipality group is SKR's group %(code)s %(label)s (%(size)s "
                    "municipalities together)."
                )
                % group
            )
        elif skr:
            intro.append(
                gettext(
                    "There is no comparison with the municipality group (%(code)s %(label)s): "
                    "Brå's and SCB's figures are not available for all %(size)s municipalities "
                    "in the group."
                )
                % group
            )
        source = gettext("Brå's statistics on reported crime and SCB's population statistics")
        if crime.get("sources"):
            source += f" ({'; '.join(crime['sources'])})"
        sources = [source, *([gettext("SKR's grouping of municipalities")] if skr else [])]
        return {
            "intro": " ".join(intro),
            "header": [
                gettext("Crime group"),
                gettext("The municipality %(year)s") % years,
                gettext("The county %(year)s") % years,
                gettext("The country %(year)s") % years,
                *([gettext("The municipality group %(year)s") % years] if with_group else []),
                gettext("The municipality %(year)s") % {"year": first},
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
            "source": gettext("Source: %(sources)s.") % {"sources": ", ".join(sources)},
        }


def small_population_note(content: dict[str, Any]) -> str:
    """The footnote for rates over fewer than 1 000 inhabitants."""
    if any(r.get("small_population") and r.get("rate") is not None for r in content["by_area"]):
        with translation.override("sv"):
            return gettext("* Fewer than 1,000 inhabitants: the rate per 1,000 is uncertain.")
    return ""


DAY_MARK = "†"


def day_population_notes(content: dict[str, Any]) -> list[str]:
    """A note for each area with a rate where many more people are by day than live there
    (the rule: areas.population.many_by_day)."""
    with translation.override("sv"):
        return [
            f"{DAY_MARK} {r['area']}: " + day_population_note(r["population"], r["day_population"])
            for r in content["by_area"]
            if r.get("many_by_day") and r.get("rate") is not None
        ]


def survey_table(content: dict[str, Any]) -> dict[str, Any] | None:
    """Survey results with their uncertainty, as text cells."""
    rows = content.get("surveys") or []
    if not rows:
        return None
    with translation.override("sv"):
        return {
            "intro": gettext(
                "The share who answered so, in per cent, with a 95 per cent confidence interval "
                "(the figure lies within the interval with 95 per cent certainty) and the number "
                "who answered; the first measurement of the last six years shows the development."
            ),
            "header": [
                gettext("Question"),
                gettext("Survey"),
                gettext("Year"),
                gettext("Share"),
                gettext("95 % CI"),
                gettext("Respondents"),
                gettext("Earlier"),
            ],
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
    """The räddningstjänst's fires as text cells."""
    fires = content.get("fires") or {}
    if not fires.get("rows"):
        return None

    def value(number: float | None) -> str:
        return "–" if number is None else formatting.number(number)

    with translation.override("sv"):
        return {
            "header": [
                gettext("Type of incident"),
                gettext("Number %(year)s") % {"year": fires["year"]},
                gettext("Per 100,000 inhabitants"),
                gettext("Number %(year)s") % {"year": fires["earlier_year"]},
            ],
            "rows": [
                [r["category"], value(r["count"]), value(r["per_100k"]), value(r["earlier"])]
                for r in fires["rows"]
            ],
            "source": gettext(
                "Source: the rescue service's call-out statistics (MSB) and SCB's population."
            ),
        }


def base_map_credit() -> str:
    """The base map's attribution under the maps."""
    from django.conf import settings

    if settings.MAP_TILE_URL and settings.MAP_TILE_ATTRIBUTION:
        with translation.override("sv"):
            return gettext("Base map: %(attribution)s.") % {
                "attribution": settings.MAP_TILE_ATTRIBUTION
            }
    return ""


def consequences_text(content: dict[str, Any]) -> str:
    """The consequences paragraph: the cost, the share reported to the police, the share judged
    severe."""
    c = content["consequences"]
    with translation.override("sv"):
        text = gettext(
            "Estimated cost of vandalism, graffiti, fires etc.: %(cost)s (%(incidents)s with a "
            "cost given)."
        ) % {
            "cost": formatting.money(c["cost_total"]),
            "incidents": formatting.incidents(c["with_cost"]),
        }
        if c["police_share"] is not None:
            text += " " + gettext(
                "Share of incidents reported to the police: %(share)s (of %(known)s where it is "
                "known)."
            ) % {
                "share": formatting.percent(c["police_share"]),
                "known": formatting.number(c["police_known"]),
            }
        if c["severe_share"] is not None:
            text += " " + gettext("Share judged severe (level 3): %(share)s.") % {
                "share": formatting.percent(c["severe_share"])
            }
    return text


def summary_sentence(content: dict[str, Any]) -> str:
    """The opening sentence of the summary: the count, and a comparison only where one is
    honest (report_content._comparison)."""
    with translation.override("sv"):
        return _summary_sentence(content)


def _summary_sentence(content: dict[str, Any]) -> str:
    total, previous = content.get("total"), content.get("previous_total")
    threshold = content.get("threshold", 3)
    few = {"n": formatting.number(threshold)}
    now = (
        ngettext("fewer than %(n)s incident", "fewer than %(n)s incidents", threshold) % few
        if total is None
        else formatting.incidents(total)
    )
    comparison = content.get("comparison") or {"comparable": True}
    if comparison.get("reason") == "incomplete":
        since = comparison.get("since")
        when = formatting.day(date.fromisoformat(since)) if since else "–"
        return gettext(
            "During the period %(now)s were reported. There is no comparison with the period "
            "before: the data in Samtrygg begin %(when)s, after the start of the comparison "
            "period."
        ) % {"now": now, "when": when}
    before = gettext("fewer than %(n)s") % few if previous is None else formatting.number(previous)
    if comparison.get("reason") == "coverage":
        n_now, n_before = comparison["organisations"]
        per_now, per_before = comparison["per_organisation"]
        text = gettext(
            "During the period %(now)s were reported (%(before)s the period before). No change "
            "is given: %(now_organisations)s organisations reported during the period and "
            "%(before_organisations)s the period before, so the difference mainly reflects how "
            "many report."
        ) % {
            "now": now,
            "before": before,
            "now_organisations": formatting.number(n_now),
            "before_organisations": formatting.number(n_before),
        }
        if per_now is not None and per_before is not None:
            text += " " + gettext("Per reporting organisation: %(now)s against %(before)s.") % {
                "now": formatting.number(per_now, 1),
                "before": formatting.number(per_before, 1),
            }
        return text
    change = content.get("change_percent")
    if change is None:
        return gettext(
            "During the period %(now)s were reported (%(before)s the period before)."
        ) % {
            "now": now,
            "before": before,
        }
    return gettext(
        "During the period %(now)s were reported (%(before)s the period before, %(change)s)."
    ) % {"now": now, "before": before, "change": formatting.percent(change, signed=True)}


def method_notes(threshold: str) -> list[tuple[str, str]]:
    """The appendix: how each figure was made, in the active language."""
    return [
        (
            gettext("Selection"),
            gettext(
                "Incidents reported in Samtrygg during the period. Merged duplicates count once "
                "and rejected reports not at all. Categories with restricted visibility (e.g. "
                "threats against staff) are not included in this document, which may be handed "
                "out. Counts under %(threshold)s are not shown, nor are counts that could "
                "otherwise be worked out from them by subtraction: both read “hidden”. The time "
                "of day is given in four blocks of six hours."
            )
            % {"threshold": threshold},
        ),
        (
            gettext("Hot spots"),
            gettext(
                "Getis-Ord Gi* on squares of 250 × 250 m in SWEREF 99 TM with neighbours within "
                "one square (the eight surrounding squares, diagonals included, and the square "
                "itself). Significance by normal approximation with control of the false "
                "discovery rate (Benjamini–Hochberg) at 99, 95 and 90 %. In the text they are "
                "called hot spots and described as a share of the area and of the incidents."
            ),
        ),
        (
            gettext("Density"),
            gettext(
                "Kernel density estimation with a quartic kernel, bandwidth 300 m, squares of "
                "100 m; incidents per km²."
            ),
        ),
        (
            gettext("Emerging hot spots"),
            gettext(
                "Gi* in space and time per week and the Mann–Kendall trend test, classed as in "
                "ArcGIS Emerging Hot Spot Analysis (new, consecutive, intensifying, persistent, "
                "diminishing, sporadic, oscillating, historical)."
            ),
        ),
        (
            gettext("Repeat victimisation"),
            gettext(
                "Knox test (as the Near Repeat Calculator) on fires, vandalism and graffiti: "
                "distance 0–200 m and time 0–7 days against randomly reassigned times, 99 "
                "permutations."
            ),
        ),
        (
            gettext("Change and alerts"),
            gettext(
                "Comparison with the period before by an exact Poisson test. Alerts per week "
                "and category by Farrington's method against the same weeks ±3 in earlier "
                "years (99 %)."
            ),
        ),
        (
            gettext("Concentration"),
            gettext(
                "The share of the period's incidents that happened in the 10 per cent of places "
                "(squares of 250 m with at least one incident) with the most incidents."
            ),
        ),
    ]


def _text_paragraphs(text: str) -> list[str]:
    """A writer's text as paragraphs: split at blank lines; a single line break stays one."""
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def lead(data: DocumentData) -> list[str]:
    status = gettext("Approved") if data.status == "approved" else gettext("Draft – not approved")
    line = gettext("Version %(version)s · %(status)s") % {
        "version": formatting.number(data.version),
        "status": status,
    }
    if data.generated_at:
        line += " · " + gettext("Produced %(when)s") % {"when": data.generated_at}
    lead = [
        gettext(
            "Lägesbild under section 4 of the Act (2023:196) on municipalities' responsibility "
            "for crime prevention."
        ),
        periods_text(data),
        line,
    ]
    approval = data.approval
    if approval:
        values = {
            "body": approval["body"],
            "date": formatting.day(approval["date"]),
            "diarienummer": approval["diarienummer"],
        }
        lead.append(
            (
                gettext("Approved by %(body)s on %(date)s, reg. no. %(diarienummer)s.")
                if approval["diarienummer"]
                else gettext("Approved by %(body)s on %(date)s.")
            )
            % values
        )
        if approval.get("next_update_due"):
            lead.append(
                gettext("Next update due by %(date)s.")
                % {"date": formatting.day(approval["next_update_due"])}
            )
    return lead


def summary(data: DocumentData) -> list[Section]:
    key_messages = split_findings(data.findings)[0]
    out = [Section(gettext("Summary"), paragraphs=[summary_sentence(data.content)])]
    if key_messages:
        out.append(
            Section(
                gettext("The most important"),
                bullets=[f["text"] for f in key_messages],
                level=2,
            )
        )
    return out


def part_one(data: DocumentData) -> list[Section]:
    """4 § 1: the mapping of crime, its extent and its consequences."""
    c = data.content
    out = [Section(gettext("1. Mapping of crime, its extent and consequences"))]
    crime = reported_crime_table(c)
    if crime:
        out.append(
            Section(
                gettext("Reported crime"),
                paragraphs=[crime["intro"]],
                header=crime["header"],
                rows=crime["rows"],
                images=[
                    (
                        "chart_reported_crime",
                        gettext(
                            "Reported crimes per 100,000 inhabitants per year: the municipality, "
                            "the county, the country and, where the figures exist, the "
                            "municipality group."
                        ),
                    )
                ],
                notes=[*crime["caveats"], crime["source"]],
                level=2,
            )
        )
    survey = survey_table(c)
    if survey:
        out.append(
            Section(
                gettext("Safety and victimisation in surveys"),
                paragraphs=[survey["intro"]],
                header=survey["header"],
                rows=survey["rows"],
                level=2,
            )
        )
    fire = fire_table(c)
    if fire:
        out.append(
            Section(
                gettext("Fires (rescue service)"),
                header=fire["header"],
                rows=fire["rows"],
                notes=[fire["source"]],
                level=2,
            )
        )
    # With other sources before them, Samtrygg's own figures are a sub-part of their own.
    level = 2
    if crime or survey or fire:
        out.append(Section(gettext("Incidents reported in Samtrygg"), level=2))
        level = 3
    out += [
        Section(
            gettext("Incidents by category"),
            header=[
                gettext("Category"),
                gettext("The period"),
                gettext("The period before"),
                gettext("Cost"),
                gettext("Share reported to the police"),
            ],
            rows=[
                [
                    r["category"],
                    shown.count(r["count"]),
                    shown.count(r["previous"]),
                    shown.money(r["cost"]),
                    shown.percent(r["police_share"]),
                ]
                for r in c["by_category"]
            ],
            images=[
                (
                    "chart_categories",
                    gettext("Figure 1. Incidents by category, the period and the period before."),
                )
            ],
            level=level,
        ),
        _where(data, level),
        Section(
            gettext("When: trends and patterns in time"),
            header=[gettext("Month"), gettext("Incidents")],
            rows=[[r["month"], shown.count(r["count"])] for r in c["monthly"]],
            images=[
                ("chart_monthly", gettext("Figure 5. Incidents per month.")),
                (
                    "chart_weekday_hour",
                    gettext(
                        "Figure 6. Incidents by day of the week and time of day (blocks of six "
                        "hours)."
                    ),
                ),
            ],
            level=level,
        ),
        Section(
            gettext("Consequences"),
            paragraphs=[consequences_text(c)],
            header=[gettext("Categories with the highest cost of damage"), gettext("Cost")]
            if c["consequences"]["costliest"]
            else [],
            rows=[[r["category"], shown.money(r["cost"])] for r in c["consequences"]["costliest"]],
            level=level,
        ),
        _police(c, level),
    ]
    return out


def _where(data: DocumentData, level: int) -> Section:
    c = data.content

    def rate(r: dict[str, Any]) -> str:
        text = shown.number(r["rate"], 1)
        if r["rate"] is not None:
            text += ("*" if r.get("small_population") else "") + (
                DAY_MARK if r.get("many_by_day") else ""
            )
        return text

    notes = [small_population_note(c), *day_population_notes(c)]
    if data.images.get("map_areas"):
        notes.append(base_map_credit())
    return Section(
        gettext("Where: areas and maps"),
        header=[
            pgettext("part of the municipality", "Area"),
            gettext("Incidents"),
            gettext("The period before"),
            gettext("Inhabitants"),
            gettext("Per 1,000 inhabitants"),
        ],
        rows=[
            [
                r["area"],
                shown.count(r["count"]),
                shown.count(r["previous"]),
                shown.number(r["population"]),
                rate(r),
            ]
            for r in c["by_area"]
        ],
        images=[
            ("map_areas", gettext("Figure 2. Incidents by area.")),
            (
                "map_density",
                gettext(
                    "Figure 3. Density of incidents (kernel density estimation). Surfaces based "
                    "on fewer than %(threshold)s incidents are not shown."
                )
                % {"threshold": formatting.number(c.get("threshold", 3))},
            ),
            (
                "map_hotspots",
                gettext(
                    "Figure 4. Hot spots: places with clearly more incidents than their "
                    "surroundings."
                ),
            ),
        ],
        notes=[note for note in notes if note],
        level=level,
    )


def _police(c: dict[str, Any], level: int) -> Section:
    police = c["police"]
    return Section(
        gettext("The police's events"),
        paragraphs=[
            gettext(
                "%(total)s of the events the police published concerned the municipality during "
                "the period (%(county)s more concerned the county as a whole). The police give "
                "the municipality or the county, not the place."
            )
            % {"total": shown.number(police["total"]), "county": shown.number(police["county"])}
        ],
        header=[gettext("Category"), gettext("Events")] if police.get("municipality") else [],
        rows=[[r["category"], shown.number(r["count"])] for r in police.get("municipality", [])],
        level=level,
    )


def part_two(data: DocumentData) -> list[Section]:
    """4 § 2: other relevant information: imported tables, the parties' own lägesbilder."""
    from samtrygg.situation.contributions import FIGURE_TABLE_HEADER, figure_rows

    tables = data.content["tables"]
    out = [
        Section(
            gettext("2. Other relevant information"),
            paragraphs=[]
            if tables
            else [gettext("No safety surveys or tables from Brå have been imported.")],
        )
    ]
    for t in tables:
        out.append(
            Section(
                t["title"],
                paragraphs=[gettext("Source: %(source)s") % {"source": t["source"]}],
                header=[str(col) for col in t["columns"]],
                rows=[[str(v) for v in row] for row in t["rows"]],
                level=2,
            )
        )
    if data.contributions:
        out.append(
            Section(
                gettext("Other actors' lägesbilder"),
                paragraphs=[
                    gettext(
                        "Lägesbilder that cooperating actors have contributed to the "
                        "municipality's joint lägesbild, with the actor's own text and figures."
                    )
                ],
                level=2,
            )
        )
    for party in data.contributions:
        rows = figure_rows(party)
        out.append(
            Section(
                f"{party['organisation']}: {party['title']}",
                paragraphs=[
                    gettext("%(source)s. Period: %(period)s.")
                    % {"source": party["source"], "period": party["period"]},
                    *([gettext("Key messages:")] if party["key_messages"] else []),
                ],
                bullets=list(party["key_messages"]),
                header=[str(h) for h in FIGURE_TABLE_HEADER] if rows else [],
                rows=rows,
                level=3,
            )
        )
        out += [
            Section(
                f"{party['organisation']}: {s['heading']}",
                paragraphs=_text_paragraphs(s["text"]),
                level=3,
            )
            for s in party["sections"]
        ]
    if data.other_information:
        out.append(
            Section(gettext("Other"), paragraphs=_text_paragraphs(data.other_information), level=2)
        )
    return out


def part_three(data: DocumentData) -> list[Section]:
    """4 § 3: the analysis: the analyst's text and the accepted findings not in the summary."""
    more_findings = split_findings(data.findings)[1]
    paragraphs = _text_paragraphs(data.analysis_text) or [
        gettext("The analyst's text is still missing.")
    ]
    if not data.findings:
        paragraphs.append(gettext("No findings from the data have been accepted."))
    out = [Section(gettext("3. Analysis"), paragraphs=paragraphs)]
    if more_findings:
        out.append(
            Section(
                gettext("More findings from the data"),
                bullets=[f["text"] for f in more_findings],
                level=2,
            )
        )
    return out


def sources(data: DocumentData) -> list[Section]:
    used = list(data.content["sources"]) + [
        gettext("%(organisation)s, %(title)s (%(period)s)")
        % {"organisation": p["organisation"], "title": p["title"], "period": p["period"]}
        for p in data.contributions
    ]
    return [
        Section(gettext("Sources used and sources left out")),
        Section(gettext("Used"), bullets=used, level=2),
        Section(
            gettext("Left out"),
            bullets=list(data.sources_left_out),
            paragraphs=[] if data.sources_left_out else [gettext("None given.")],
            level=2,
        ),
    ]


def decision(data: DocumentData) -> Section:
    approval = data.approval
    if not approval:
        return Section(
            gettext("Decision"),
            paragraphs=[
                gettext("Draft. The lägesbild is not approved."),
                gettext("Deciding body: ____________ Date: ____________ Reg. no.: ____________"),
            ],
        )
    values = {
        "body": approval["body"],
        "date": formatting.day(approval["date"]),
        "diarienummer": approval["diarienummer"],
        "by": approval["by"],
    }
    text = (
        gettext("The lägesbild was approved by %(body)s on %(date)s (reg. no. %(diarienummer)s).")
        if approval["diarienummer"]
        else gettext("The lägesbild was approved by %(body)s on %(date)s.")
    ) % values
    if approval["by"]:
        text += " " + gettext("The approval was registered by %(by)s.") % values
    if approval.get("next_update_due"):
        text += " " + gettext(
            "Under section 6 the lägesbild is to be updated at least every other year: by %(date)s."
        ) % {"date": formatting.day(approval["next_update_due"])}
    return Section(gettext("Decision"), paragraphs=[text])


def methods(data: DocumentData) -> list[Section]:
    threshold = formatting.number(data.content.get("threshold", 3))
    return [Section(gettext("Appendix: method"))] + [
        Section(heading, paragraphs=[text], level=2) for heading, text in method_notes(threshold)
    ]
