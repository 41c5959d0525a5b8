"""Run axe-core (shipped inside the axe-playwright-python package, no download) in a page."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

SERIOUS = {"serious", "critical"}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text()


def serious_violations(page: Any) -> list[str]:
    # Evaluated through the DevTools protocol, so the page's strict CSP does not block it.
    page.evaluate(axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
            for n in v["nodes"][:5]
        )
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
