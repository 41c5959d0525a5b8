"""Types shared by the API's schemas and parameters.

Each type accepts exactly what its OpenAPI description promises, no more: pydantic's lax mode
would otherwise turn ``0.5`` into a time and, in a JSON body, ``"yes"`` into true and ``"3"``
into a number, so a program could send what the documentation calls invalid and have it
accepted (tests/api/test_schemathesis.py). The bounds that depend on stored data or the clock
(core/bounds.py) are checked by the services, which answer with a message per field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import Interval
from ninja import Field, Schema, UploadedFile
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from samtrygg.core import bounds
from samtrygg.core.bounds import MAX_ID


def _whole_number(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer, so the API does too; true and false are not
    numbers. (Text is left to the field: a path or query value is text by nature.)"""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Give a whole number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number, as JSON Schema's ``integer``.
ApiInt = Annotated[int, BeforeValidator(_whole_number)]
# An object id or version: what a 64-bit database column holds. A larger number is refused by
# the schema with a 422, before any query (SQLite's driver would raise OverflowError).
ApiId = Annotated[int, Interval(ge=1, le=MAX_ID), BeforeValidator(_whole_number)]
# An optional id in a multipart form: left out when there is none (a form has no null).
FormId = Annotated[
    int | None,
    Interval(ge=1, le=MAX_ID),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_ID}),
]

# An uploaded file, never empty (a form part without content is no file: Django drops it).
ApiFile = Annotated[
    UploadedFile,
    WithJsonSchema({"type": "string", "format": "binary", "minLength": 1}),
]

# Input schemas take JSON's own types: a number for a number, true or false for a boolean.
STRICT = ConfigDict(strict=True)

# RFC 3339, the ``date-time`` of OpenAPI: a date, a time and an offset (or Z).
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise PydanticCustomError(
            "datetime_parsing", "Give a date and time in ISO 8601 with an offset"
        )
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError:  # e.g. 24:00 or 30 February
        raise PydanticCustomError("datetime_parsing", "Not a date and time") from None


def _date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Give a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_parsing", "Not a date") from None


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "Give the amount as a number")
    return value if isinstance(value, Decimal) else Decimal(repr(value))


# A moment in time: RFC 3339 (``2026-11-23T21:30:00+01:00``), in a body or a query.
ApiDateTime = Annotated[
    datetime,
    BeforeValidator(_datetime),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# A calendar day: ``2026-11-23``.
ApiDate = Annotated[
    date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})
]
# An amount in kronor, a JSON number (whether it has at most two decimals is checked by the
# service, with its own message).
ApiAmount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": int(bounds.MAX_COST)}),
]

# Text a person writes: no control characters (tab and line breaks allowed). The length and
# the characters are checked by the services with a precise message; the schema says the same.
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"


def text(limit: int, *, required: bool = False, **extra: Any) -> Any:
    """A free-text field of at most ``limit`` characters (``required``: at least one that is
    not a space)."""
    schema: dict[str, Any] = {"maxLength": limit, "pattern": TEXT_PATTERN}
    if required:
        schema.update(
            minLength=1,
            pattern=r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*"
            r"[^\s\u0000-\u001f\u007f][^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$",
        )
    return Field(... if required else "", json_schema_extra=schema, **extra)


# --- Error answers (the same everywhere; core/api.py writes them) ----------------------------


class ErrorOut(Schema):
    """401, 403, 404, 405, 409: what is wrong, in Swedish."""

    detail: str


class BadRequestOut(Schema):
    """400: the body could not be read (``code`` ``parse_error``: not JSON, with the ``line``
    and ``column`` where reading stopped); 413: the body is too large (``code``
    ``too_large``); 415: the body is not sent as JSON (``code`` ``unsupported_media_type``)."""

    detail: str
    code: str | None = None
    line: int | None = None
    column: int | None = None


class ProblemOut(Schema):
    field: str
    type: str = Field(..., description="pydantic's error type, e.g. `less_than_equal`")
    ctx: dict[str, str | int | float | bool] | None = Field(
        None, description="the limits of the rule, e.g. `le`"
    )


class InvalidOut(Schema):
    """422: the first problem in ``detail``, every problem per field in ``errors`` (Swedish);
    a value the schema refuses is also listed in ``problems``, for programs."""

    detail: str
    errors: dict[str, list[str]]
    problems: list[ProblemOut] | None = None


def error_answers(*codes: int) -> dict[int, Any]:
    """The documented error answers of a route."""
    schemas: dict[int, Any] = {
        400: BadRequestOut,
        413: BadRequestOut,
        415: BadRequestOut,
        422: InvalidOut,
    }
    return {code: schemas.get(code, ErrorOut) for code in codes}
