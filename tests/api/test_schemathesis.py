"""The API as documented (issue 10): Schemathesis reads the OpenAPI schema the app serves at
/api/v1/openapi.json and sends generated requests to every operation, in-process through WSGI,
as an anonymous caller, a reporter and a coordinator of municipality A.

Every check Schemathesis has is on: no server error (5xx), every status code the API answers is
documented, every response body matches its documented schema, every schema-valid request is
accepted and every invalid one refused. Two checks of our own come on top: every error answer
(4xx) says what is wrong in Swedish, from the translation catalogue; and a schema-valid request
may be refused only by a business rule, never by the API's own schema validation (see
``accepted_unless_a_rule_refuses``).

The run is bounded and repeatable: a fixed seed, a fixed number of examples per operation, and
each request in a savepoint that is rolled back, so every example meets the same world.
Select it alone with ``pytest -m api_fuzz``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import polib
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

import samtrygg
from samtrygg.incidents.categories import seed_categories
from samtrygg.incidents.models import Category
from samtrygg.incidents.services import IncidentInput, create_incident
from samtrygg.tenancy.tokens import create_token

from .. import factories
from ..conftest import World

pytestmark = pytest.mark.api_fuzz

SLUG = "fuzz"  # municipality A's slug during the run: the schema is loaded before the world
SEED = 20261125
MAX_EXAMPLES = 25  # per operation, role and generation mode (fuzzing phase)

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "mode": "all", "database": "none"},
        # Every route lives under /k/{municipality}/: generated slugs would all answer 404 at
        # the door (tests/test_outsider.py covers that); the fuzzing is for what lies behind it.
        "parameters": {"path.municipality": SLUG},
    }
)


def _offset(minutes: int) -> str:
    return (
        "Z"
        if minutes == 0
        else f"{'+-'[minutes < 0]}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    )


# Date-times over the whole calendar with any offset, and the edges more often than chance
# would give them (year 1 at +23:59 cannot be converted to UTC; 9999 at -23:59 neither).
schemathesis.openapi.format(
    "date-time",
    st.sampled_from(
        [
            "0001-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59.999999-23:59",
            "1899-12-31T23:59:59Z",
            "2200-01-01T00:00:00+00:00",
        ]
    )
    | st.builds(
        lambda moment, minutes: moment.isoformat() + _offset(minutes),
        st.datetimes(),  # naive, year 1 to 9999
        st.integers(-(23 * 60 + 59), 23 * 60 + 59),
    ),
)

# The schema as the running app serves it (no database is needed to serve it).
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


# --- The world -----------------------------------------------------------------------------


class Known:
    """Ids of the world's objects. Generated ids 1…n stand for them, so that examples reach
    real objects on any database (ids differ between SQLite and PostgreSQL and between runs);
    larger ids, and every invalid one, are sent as generated."""

    def __init__(self, world: World) -> None:
        b_category = Category.objects.create(municipality=world.b, code="klotter", label_sv="K")
        now = timezone.now()
        own = world.incident()
        other_org = create_incident(
            world.access(world.carol),
            IncidentInput(
                category=world.category(),
                reporting_organisation=world.a_other_org,
                occurred_at=now - timedelta(days=3),
                lat=factories.HALMSTAD_LAT + 0.01,
                lon=factories.HALMSTAD_LON,
            ),
        )
        other_municipality = create_incident(
            world.access(world.charlie, world.b),
            IncidentInput(
                category=b_category,
                reporting_organisation=world.b_org,
                occurred_at=now - timedelta(days=1),
                lat=factories.HALMSTAD_LAT,
                lon=factories.HALMSTAD_LON,
            ),
        )
        self.ids: dict[str, list[int]] = {
            "incidents": [own.pk, other_org.pk, other_municipality.pk],
            "areas": [world.area.pk],
            "organisations": [world.a_org.pk, world.a_other_org.pk, world.b_org.pk],
        }

    # Which list a field's ids come from, by the field's name (path, query, body and form).
    FIELDS = {
        "incident_id": "incidents",
        "duplicates": "incidents",
        "area_id": "areas",
        "area": "areas",
        "quiet_area_ids": "areas",
        "organisation_id": "organisations",
        "reporting_organisation_id": "organisations",
    }

    def _one(self, kind: str, value: Any) -> Any:
        ids = self.ids[kind]
        if type(value) is int and 1 <= value <= len(ids):
            return ids[value - 1]
        # Path and query values come as text.
        if isinstance(value, str) and value in {str(n) for n in range(1, len(ids) + 1)}:
            return str(ids[int(value) - 1])
        return value

    def map(self, data: Any) -> Any:
        """The same data with small generated ids replaced by real ones."""
        if isinstance(data, list):
            return [self.map(item) for item in data]
        if not isinstance(data, dict):
            return data
        mapped: dict[Any, Any] = {}
        for key, value in data.items():
            kind = self.FIELDS.get(key)
            if kind is None:
                mapped[key] = self.map(value)
            elif isinstance(value, list):
                mapped[key] = [self._one(kind, item) for item in value]
            else:
                mapped[key] = self._one(kind, value)
        return mapped


def bearer(user: Any) -> dict[str, str]:
    _token, secret = create_token(user, name="schemathesis", days=30)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def in_process(world: World) -> Iterator[World]:
    """Municipality A under the slug the schema was loaded with, its categories, and the WSGI
    handler in the test's transaction."""
    world.a.slug = SLUG
    world.a.save(update_fields=["slug"])
    seed_categories(world.a)
    # The WSGI handler closes the database connection after each request, as in production;
    # here the connection holds the test's transaction, so it stays open (as Django's test
    # client does).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield world
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=["anonymous", "reporter", "coordinator"])
def caller(request: Any, in_process: World) -> tuple[dict[str, str], Known]:
    world = in_process
    user = {"anonymous": None, "reporter": world.bob, "coordinator": world.dave}[request.param]
    return (bearer(user) if user is not None else {}), Known(world)


# --- Our checks ----------------------------------------------------------------------------

CATALOGUE = Path(samtrygg.__file__).parent / "locale" / "sv" / "LC_MESSAGES" / "django.po"
_PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdf]|%\.\d+f")


@functools.cache
def _swedish_messages() -> tuple[frozenset[str], re.Pattern[str]]:
    """The catalogue's Swedish texts: the plain ones, and one pattern for those with
    placeholders (a placeholder matches any text)."""
    plain: set[str] = set()
    patterns: list[str] = []
    for entry in polib.pofile(str(CATALOGUE)):
        texts = (
            [entry.msgstr, *entry.msgstr_plural.values()] if entry.msgid_plural else [entry.msgstr]
        )
        for text in filter(None, texts):
            if _PLACEHOLDER.search(text):
                pieces = _PLACEHOLDER.split(text.replace("%%", "\0"))
                patterns.append(".+?".join(re.escape(p).replace("\0", "%") for p in pieces))
            else:
                plain.add(text)
    return frozenset(plain), re.compile("|".join(f"(?:{p})" for p in patterns), re.DOTALL)


def is_swedish(message: object) -> bool:
    if not isinstance(message, str) or not message:
        return False
    plain, pattern = _swedish_messages()
    return message in plain or pattern.fullmatch(message) is not None


def errors_in_swedish(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every refusal (4xx) has a ``detail``, and it and every field message are Swedish texts
    from the catalogue (none of pydantic's or django-ninja's English ones slips through)."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"The {response.status_code} answer is not JSON: {response.text[:80]!r}"
        ) from None
    assert isinstance(body, dict), f"The {response.status_code} answer is not a JSON object"
    assert is_swedish(body.get("detail")), f"`detail` is not Swedish: {body.get('detail')!r}"
    for field, messages in (body.get("errors") or {}).items():
        for message in messages:
            assert is_swedish(message), f"The message for {field} is not Swedish: {message!r}"
    return True


def accepted_unless_a_rule_refuses(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis's positive_data_acceptance, with one documented exception.

    A request the schema allows must pass the API's schema validation: a 422 that comes from
    it (it lists ``problems``) or any 400 is a defect of the schema or the API and fails here.
    But some rules cannot be written in the schema, because they depend on stored data, the
    clock, a map or several fields at once: the category and areas must be the municipality's,
    the organisation the caller's, the place inside the boundary, the time not in the future
    and given one way or the other, the week begun, the text free of personal identity
    numbers, the status change allowed from the case's current status in the caller's role,
    an imported file readable, a page cursor one the API made. The services refuse such a
    request with 422 and Swedish messages per field (``errors``, no ``problems``); that
    refusal is correct, and only it is let through."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 422:
            body = response.json()
            if "problems" not in body and body.get("errors"):
                return True
        raise


# --- The run -------------------------------------------------------------------------------


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_answers_as_documented(case: Any, caller: tuple[dict[str, str], Known]) -> None:
    headers, known = caller
    # Only a changed part is replaced: Schemathesis looks again at what was replaced.
    for part in ("path_parameters", "query", "body"):
        value = getattr(case, part)
        if isinstance(value, dict | list) and (mapped := known.map(value)) != value:
            setattr(case, part, mapped)
    with transaction.atomic():
        try:
            case.call_and_validate(
                headers=headers,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[accepted_unless_a_rule_refuses, errors_in_swedish],
            )
        finally:
            transaction.set_rollback(True)


def test_a_body_too_large_to_read_answers_413_as_documented(in_process: World) -> None:
    """Beyond what the generated examples reach: a body past DATA_UPLOAD_MAX_MEMORY_SIZE."""
    from django.conf import settings as django_settings

    incident = in_process.incident()
    operation = schema["/api/v1/k/{municipality}/incidents/{incident_id}/comments"]["POST"]
    case = operation.Case(
        path_parameters={"municipality": SLUG, "incident_id": incident.pk},
        body={"text": "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)},
        media_type="application/json",
    )
    with transaction.atomic():
        response = case.call_and_validate(
            headers=bearer(in_process.bob), additional_checks=[errors_in_swedish]
        )
        transaction.set_rollback(True)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
