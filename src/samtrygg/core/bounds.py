"""The bounds of every stored value, in one place (issue: data that cannot be broken).

Every door — the web form, the API, the file import, bulk actions and merges — asks these
functions, so the same value gets the same Swedish answer wherever it comes in. Each function
returns the message for a bad value, or ``None`` when the value may be stored. The database holds
the outer bounds as CHECK constraints (``DB_EARLIEST`` … ``DB_LATEST``, ``MAX_COST``, text
lengths), so a bug that bypasses these functions still cannot store a row that breaks reads.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

# Times: a stored time before DB_EARLIEST or after DB_LATEST is refused by the database itself.
# The validators use a tighter, configurable floor (SAMTRYGG_EARLIEST_DATE, default 2000-01-01).
DB_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
DB_LATEST = datetime(2200, 1, 1, tzinfo=UTC)
FUTURE_MARGIN = timedelta(hours=1)  # a phone's clock may be a little ahead

# Money in kronor: 0 … one billion, at most two decimals (öre).
MAX_COST = Decimal(1_000_000_000)
COST_DECIMALS = 2

# Ids: what a 64-bit signed integer column holds.
MAX_ID = 2**63 - 1

# Text lengths (characters). Descriptions are a few lines on a phone; 4 000 characters is a page.
DESCRIPTION_MAX = 4000
COMMENT_MAX = 4000
PLACE_NAME_MAX = 200
EXTERNAL_ID_MAX = 100
ASSESSMENT_COMMENT_MAX = 500

# C0 control characters except tab, line feed and carriage return; DEL; and UTF-16 surrogates,
# which only a broken client sends (JSON "\ud800") and no database can store as UTF-8.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def earliest_time() -> datetime:
    """The earliest time an incident may have happened (settings.SAMTRYGG_EARLIEST_DATE)."""
    day = date.fromisoformat(getattr(settings, "SAMTRYGG_EARLIEST_DATE", "2000-01-01"))
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())


def text_problem(value: str, limit: int) -> str | None:
    """Too long, or holding a character that cannot be stored or shown."""
    if len(value) > limit:
        return _("The text is too long: at most %(limit)d characters (this one has %(n)d).") % {
            "limit": limit,
            "n": len(value),
        }
    bad = _BAD_CHARACTER.search(value)
    if bad is not None:
        code = ord(bad.group())
        if 0xD800 <= code <= 0xDFFF:
            return _(
                "The text contains an invalid character (half of a character pair). Remove it."
            )
        return _(
            "The text contains a control character (code %(code)d) that cannot be stored. "
            "Remove it."
        ) % {"code": code}
    return None


def time_problem(
    value: datetime, now: datetime | None = None, earliest: datetime | None = None
) -> str | None:
    """Before the earliest date, or more than a short margin into the future. (A caller that
    checks many values passes ``now`` and ``earliest`` once.)"""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.get_default_timezone())
    earliest = earliest or earliest_time()
    if value < earliest:
        return _("The time is too early: give a time from %(date)s on.") % {
            "date": earliest.date().isoformat()
        }
    if value > (now or timezone.now()) + FUTURE_MARGIN:
        return _("The time is in the future.")
    return None


def cost_problem(value: Decimal | int | float | str) -> str | None:
    """An amount in kronor: a number from 0 to one billion with at most two decimals."""
    try:
        amount = Decimal(value) if not isinstance(value, float) else Decimal(repr(value))
    except (InvalidOperation, ValueError, TypeError):
        return _("The amount is not a number.")
    if not amount.is_finite():
        return _("The amount is not a number.")
    if amount < 0:
        return _("The cost cannot be negative.")
    if amount > MAX_COST:
        return _("The cost is too large: at most 1 000 000 000 kr.")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -COST_DECIMALS:
        return _("Give the cost in kronor with at most two decimals.")
    return None


def id_problem(value: int) -> str | None:
    if not 1 <= value <= MAX_ID:
        return _("The id is not valid.")
    return None


def coordinate_problem(lat: float, lon: float) -> str | None:
    """Both numbers, finite, and on the globe (whether inside the municipality is checked
    against its boundary by the caller)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return _("The coordinates are not numbers.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return _("The coordinates are not a place on Earth (latitude −90…90, longitude −180…180).")
    return None
