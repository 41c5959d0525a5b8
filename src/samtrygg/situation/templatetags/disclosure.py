"""How a hidden count reads in every table (situation/disclosure.py): one word for every hidden
cell, whether it was small or hidden to protect a small one, so that the mark tells nothing."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

HIDDEN = _("hidden")


@register.filter
def count_or_hidden(value: Any) -> Any:
    return HIDDEN if value is None else value
