"""The suite's clock. Every test runs at one pinned moment (DESIGN.md rule 12), so no result
depends on the day the suite happens to run. CI runs the suite a second time with
``SAMTRYGG_TEST_NOW`` 400 days later, which shows that no test depends on that moment either."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEFAULT_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=STOCKHOLM)  # a Wednesday, ISO week 48


def pinned_now() -> datetime:
    """The moment every test starts at: ``SAMTRYGG_TEST_NOW`` (ISO 8601) or the default."""
    text = os.environ.get("SAMTRYGG_TEST_NOW", "").strip()
    if not text:
        return DEFAULT_NOW
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=STOCKHOLM)
