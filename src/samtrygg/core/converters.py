"""URL converters. ``<id:pk>`` is an object id: at most 18 digits, so an id beyond what a 64-bit
database column holds is no match (a 404), never a 500 from the database driver."""

from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
