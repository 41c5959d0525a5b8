"""Fetching Polisen's latest events from its open API (``https://polisen.se/api/events``).

Polisen's rules: identify yourself with a User-Agent, and call at most once per 10 seconds.
Every call is logged in ``PoliceFetch``; a call sooner than 10 seconds after the last one is
refused without calling. The answer goes through the same checked, idempotent import as a file.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from samtrygg.tenancy.models import Municipality

from .models import PoliceFetch
from .polisen import PolisenFileError, PolisenImportResult, import_police_events

MIN_INTERVAL = timedelta(seconds=10)
TIMEOUT_SECONDS = 30
MAX_BYTES = 20 * 1024 * 1024


class FetchError(Exception):
    pass


def fetch_police_events(
    url: str | None = None, municipality: Municipality | None = None
) -> PolisenImportResult:
    url = url or settings.POLISEN_API_URL
    last = PoliceFetch.objects.first()
    if last is not None and timezone.now() - last.fetched_at < MIN_INTERVAL:
        raise FetchError(_("Polisen asks for at most one call per 10 seconds: try again shortly."))
    if not url.startswith(("https://", "http://")):
        raise FetchError(_("The address must start with https://."))
    log = PoliceFetch.objects.create(url=url[:300])
    request = urllib.request.Request(  # noqa: S310  (checked above: http(s) only)
        url, headers={"User-Agent": settings.POLISEN_USER_AGENT, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        _finish(log, ok=False, message=str(error))
        raise FetchError(_("Polisen's API did not answer: %(error)s") % {"error": error}) from None
    if len(raw) > MAX_BYTES:
        _finish(log, ok=False, message="too large")
        raise FetchError(_("Polisen's answer was unexpectedly large; nothing was imported."))
    try:
        result = import_police_events(raw, municipality, actor="samtrygg fetch-polisen")
    except PolisenFileError as error:
        _finish(log, ok=False, message=error.errors[0][:300])
        raise
    _finish(log, ok=True, created=result.created)
    return result


def _finish(log: PoliceFetch, *, ok: bool, created: int = 0, message: str = "") -> None:
    PoliceFetch.objects.filter(pk=log.pk).update(ok=ok, created=created, message=message[:300])
