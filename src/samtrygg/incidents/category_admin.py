"""Administrators edit the municipality's checklist without code (DOMAIN.md §2): add, rename,
reorder, deactivate, delete unused categories, and route reports to the organisation that
handles them — by default per category, optionally per area."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samtrygg.areas.models import Area
from samtrygg.audit.models import AuditAction
from samtrygg.audit.services import diff, record
from samtrygg.tenancy.models import Organisation
from samtrygg.tenancy.policy import Access
from samtrygg.tenancy.roles import Permission

from .models import Category, CategoryRoute, Incident, Visibility

EDITABLE = (
    "label_sv",
    "label_en",
    "is_active",
    "visibility",
    "default_handler",
    "asks_cost",
    "asks_police_report",
)


def _values(category: Category) -> dict[str, Any]:
    return {name: getattr(category, name) for name in EDITABLE}


def _check(access: Access, values: dict[str, Any], exclude_pk: int | None = None) -> None:
    label = (values.get("label_sv") or "").strip()
    if not label:
        raise ValidationError({"label_sv": _("Give the category a Swedish name.")})
    clash = Category.objects.filter(municipality=access.municipality, label_sv__iexact=label)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"label_sv": _("There is already a category called “%(name)s”.") % {"name": label}}
        )
    if values.get("visibility", Visibility.SHARED) not in Visibility.values:
        raise ValidationError({"visibility": _("Choose a visibility from the list.")})
    handler = values.get("default_handler")
    if handler is not None and handler.municipality_id != access.municipality.pk:
        raise ValidationError({"default_handler": _("Choose an organisation from the list.")})


def create_category(access: Access, **values: Any) -> Category:
    access.require(Permission.MANAGE_CATEGORIES)
    _check(access, values)
    base = slugify(values["label_sv"].replace("/", " "))[:36] or "kategori"
    taken = set(
        Category.objects.filter(municipality=access.municipality).values_list("code", flat=True)
    )
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    last = Category.objects.filter(municipality=access.municipality).order_by("-sort_order").first()
    with transaction.atomic():
        category = Category.objects.create(
            municipality=access.municipality,
            code=code,
            label_sv=values["label_sv"].strip(),
            label_en=(values.get("label_en") or values["label_sv"]).strip(),
            sort_order=(last.sort_order + 10) if last else 10,
            **{k: v for k, v in values.items() if k not in ("label_sv", "label_en")},
        )
        record(
            AuditAction.CATEGORY_CREATED,
            actor=access.user,
            municipality=access.municipality,
            obj=category,
            changes={"code": code, "label_sv": category.label_sv},
        )
    return category


def update_category(access: Access, category: Category, **values: Any) -> Category:
    access.require(Permission.MANAGE_CATEGORIES)
    merged = {**_values(category), **values}
    _check(access, merged, exclude_pk=category.pk)
    before = _values(category)
    with transaction.atomic():
        for name in EDITABLE:
            setattr(category, name, merged[name])
        category.label_sv = category.label_sv.strip()
        category.label_en = (category.label_en or category.label_sv).strip()
        category.save()
        changes = diff(before, _values(category))
        if changes:
            record(
                AuditAction.CATEGORY_CHANGED,
                actor=access.user,
                municipality=access.municipality,
                obj=category,
                changes=changes,
            )
    return category


def move_category(access: Access, category: Category, step: int) -> None:
    """Move one place up (step −1) or down (+1) in the checklist."""
    access.require(Permission.MANAGE_CATEGORIES)
    ordered = list(Category.objects.filter(municipality=access.municipality))
    index = next(i for i, c in enumerate(ordered) if c.pk == category.pk)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    with transaction.atomic():
        for position, item in enumerate(ordered, start=1):
            if item.sort_order != position * 10:
                item.sort_order = position * 10
                item.save(update_fields=["sort_order"])
        record(
            AuditAction.CATEGORY_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            obj=category,
            changes={"position": [index + 1, target + 1]},
        )


def delete_category(access: Access, category: Category) -> None:
    """Only a category no report uses can go; a used one is deactivated instead."""
    access.require(Permission.MANAGE_CATEGORIES)
    if Incident.objects.filter(category=category).exists():
        raise ValidationError(
            _(
                "“%(name)s” is used by reports and cannot be deleted. Deactivate it instead: "
                "it then disappears from the forms but stays in the statistics."
            )
            % {"name": category.label_sv}
        )
    with transaction.atomic():
        record(
            AuditAction.CATEGORY_DELETED,
            actor=access.user,
            municipality=access.municipality,
            object_repr=category.label_sv,
            changes={"code": category.code},
        )
        category.delete()


def set_route(
    access: Access, category: Category, area: Area, organisation: Organisation | None
) -> None:
    """Reports of the category in the area go to the organisation; None removes the rule."""
    access.require(Permission.MANAGE_CATEGORIES)
    if area.municipality_id != access.municipality.pk or (
        organisation is not None and organisation.municipality_id != access.municipality.pk
    ):
        raise ValidationError(_("Choose areas and organisations of your own municipality."))
    with transaction.atomic():
        if organisation is None:
            CategoryRoute.objects.filter(category=category, area=area).delete()
        else:
            CategoryRoute.objects.update_or_create(
                category=category, area=area, defaults={"organisation": organisation}
            )
        record(
            AuditAction.CATEGORY_CHANGED,
            actor=access.user,
            municipality=access.municipality,
            obj=category,
            changes={"route": [area.name, organisation.name if organisation else None]},
        )


def handler_for(category: Category, area_id: int | None) -> int | None:
    """The organisation that gets a new report: the area's rule, else the category default."""
    if area_id is not None:
        route = CategoryRoute.objects.filter(category=category, area_id=area_id).first()
        if route is not None:
            return route.organisation_id
    return category.default_handler_id


def routes_by_category_area(municipality_id: int) -> dict[tuple[int, int], int]:
    """All per-area rules of a municipality, for bulk imports."""
    return {
        (category_id, area_id): organisation_id
        for category_id, area_id, organisation_id in CategoryRoute.objects.filter(
            category__municipality_id=municipality_id
        ).values_list("category_id", "area_id", "organisation_id")
    }
