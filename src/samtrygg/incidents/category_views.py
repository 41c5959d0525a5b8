"""The category (checklist) administration pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from samtrygg.exchange import police_types
from samtrygg.tenancy.policy import Access, municipality_view
from samtrygg.tenancy.roles import Permission

from . import category_admin, queries
from .forms import CategoryForm, RouteForm
from .models import Category, CategoryRoute


@municipality_view(Permission.MANAGE_CATEGORIES)
def category_list(request: HttpRequest, access: Access) -> HttpResponse:
    form = CategoryForm(
        access, request.POST or None, initial={"asks_cost": True, "asks_police_report": True}
    )
    if request.method == "POST":
        if "move" in request.POST:
            category = access.get_or_404(
                Category.objects.all(), pk=request.POST.get("category", "")
            )
            category_admin.move_category(
                access, category, -1 if request.POST["move"] == "up" else 1
            )
            return redirect("category_list", municipality=access.municipality.slug)
        if form.is_valid():
            try:
                category = category_admin.create_category(access, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": category.label_sv})
                return redirect("category_list", municipality=access.municipality.slug)
    rows = (
        queries.categories(access, active_only=False)
        .select_related("default_handler")
        .annotate(used=Count("incidents"), rules=Count("routes", distinct=True))
    )
    return render(request, "incidents/category_list.html", {"categories": rows, "form": form})


@municipality_view(Permission.MANAGE_CATEGORIES)
def category_edit(request: HttpRequest, access: Access, category_id: int) -> HttpResponse:
    category: Category = access.get_or_404(Category.objects.all(), pk=category_id)
    form = CategoryForm(access, initial=category_admin._values(category))
    route_form = RouteForm(access)
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "save":
            form = CategoryForm(access, request.POST)
            if form.is_valid():
                category_admin.update_category(access, category, **form.cleaned_data)
                messages.success(request, _("The changes were saved."))
                return redirect("category_list", municipality=access.municipality.slug)
        elif action == "route":
            route_form = RouteForm(access, request.POST)
            if route_form.is_valid():
                category_admin.set_route(
                    access,
                    category,
                    route_form.cleaned_data["area"],
                    route_form.cleaned_data["organisation"],
                )
                messages.success(request, _("The routing was saved."))
                return redirect(request.path)
        elif action == "delete":
            category_admin.delete_category(access, category)
            messages.success(request, _("%(name)s was deleted.") % {"name": category.label_sv})
            return redirect("category_list", municipality=access.municipality.slug)
    except ValidationError as error:
        if action == "delete":
            messages.error(request, error.messages[0])
        else:
            (route_form if action == "route" else form).add_error(None, error)
    routes = CategoryRoute.objects.filter(category=category).select_related("area", "organisation")
    return render(
        request,
        "incidents/category_edit.html",
        {"category": category, "form": form, "route_form": route_form, "routes": routes},
    )


@municipality_view(Permission.MANAGE_CATEGORIES)
def police_type_mapping(request: HttpRequest, access: Access) -> HttpResponse:
    """Which category each of Polisen's event types counts as in this municipality."""
    rows = police_types.type_rows(access.municipality)
    categories = list(queries.categories(access, active_only=False))
    if request.method == "POST":
        by_pk = {str(c.pk): c for c in categories}
        chosen = {
            row["type"]: by_pk.get(request.POST.get(f"type-{row['type']}", ""))
            for row in rows
            if f"type-{row['type']}" in request.POST
        }
        changed = police_types.save_mapping(access, chosen)
        messages.success(request, _("%(n)d types were changed.") % {"n": changed})
        return redirect("police_type_mapping", municipality=access.municipality.slug)
    return render(
        request,
        "incidents/police_type_mapping.html",
        {"rows": rows, "categories": categories},
    )
