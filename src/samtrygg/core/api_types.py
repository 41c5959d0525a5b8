"""Types shared by the API's schemas and parameters."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

from samtrygg.core.bounds import MAX_ID

# An object id or version: what a 64-bit database column holds. A larger number is refused by
# the schema with a 422, before any query (SQLite's driver would raise OverflowError).
ApiId = Annotated[int, Interval(ge=1, le=MAX_ID)]
