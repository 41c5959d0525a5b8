"""The EST checklist every municipality starts with (DOMAIN.md §2); administrators adapt it."""

from __future__ import annotations

from samtrygg.tenancy.models import Municipality

from .models import Category, Visibility

# code, Swedish, English, visibility
EST_CHECKLIST = [
    ("skadegorelse", "Skadegörelse", "Vandalism", Visibility.SHARED),
    ("klotter", "Klotter", "Graffiti", Visibility.SHARED),
    ("brand", "Brand / anlagd brand", "Fire / arson", Visibility.SHARED),
    ("nedskrapning", "Nedskräpning", "Littering", Visibility.SHARED),
    ("ordningsstorning", "Ordningsstörning", "Public disorder", Visibility.SHARED),
    ("ansamling", "Ansamling / grupperingar", "Gatherings causing unease", Visibility.SHARED),
    ("narkotika", "Misstänkt narkotikahantering", "Suspected drug dealing", Visibility.SHARED),
    (
        "hot-vald-personal",
        "Hot eller våld mot personal",
        "Threats or violence against staff",
        Visibility.RESTRICTED,
    ),
    (
        "otrygg-plats",
        "Otrygg plats / fysisk miljö",
        "Unsafe place / physical environment",
        Visibility.SHARED,
    ),
    (
        "fordon",
        "Fordon (mopeder, A-traktorer, vårdslös körning)",
        "Vehicles (mopeds, A-tractors, reckless driving)",
        Visibility.SHARED,
    ),
    ("sociala-medier", "Sociala medier / rykten", "Social media / rumours", Visibility.SHARED),
    ("evenemang", "Evenemang", "Events", Visibility.SHARED),
    ("ovrigt", "Övrigt", "Other", Visibility.SHARED),
]


def seed_categories(municipality: Municipality) -> int:
    """Create the checklist's categories that the municipality lacks; returns how many."""
    existing = set(
        Category.objects.filter(municipality=municipality).values_list("code", flat=True)
    )
    new = [
        Category(
            municipality=municipality,
            code=code,
            label_sv=sv,
            label_en=en,
            sort_order=10 * (index + 1),
            visibility=visibility,
        )
        for index, (code, sv, en, visibility) in enumerate(EST_CHECKLIST)
        if code not in existing
    ]
    Category.objects.bulk_create(new)
    return len(new)
