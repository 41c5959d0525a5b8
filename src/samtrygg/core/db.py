"""Database expressions for CHECK constraints that Django's lookups cannot say portably."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Func
from django.utils.deconstruct import deconstructible

# The characters core/bounds.py refuses in text (tab, line feed and carriage return are allowed):
# NUL breaks spreadsheets and PostgreSQL, the others break XLSX files and terminals.
CONTROL_CODES = [c for c in range(32) if c not in (9, 10, 13)] + [127]


@deconstructible(path="samtrygg.core.db.FreeOfControlCharacters")
class FreeOfControlCharacters(Func):
    """True when a text column holds none of ``CONTROL_CODES`` (for CheckConstraint)."""

    arity = 1
    output_field = BooleanField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        # SQLite has no regular expressions without an extension: one INSTR per character.
        tests = " AND ".join(f"INSTR({column}, CHAR({code})) = 0" for code in CONTROL_CODES)
        return f"({tests})", tuple(params) * len(CONTROL_CODES)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, params = compiler.compile(self.source_expressions[0])
        # PostgreSQL refuses NUL in text by itself; its regular expressions take \xhh escapes.
        return f"({column} !~ '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]')", tuple(params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        return f"({column} = {column})", tuple(params) * 2
