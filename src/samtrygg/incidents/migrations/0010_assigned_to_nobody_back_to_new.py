"""'Assigned' needs an organisation: cases stored as assigned to nobody go back to 'New' (with
an event in the log, so the change is visible in each case's history), then (0011) the database
refuses such a row. Two migrations, so that PostgreSQL never alters a table with pending
changes in the same transaction."""

from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def assigned_to_nobody_back_to_new(apps: Any, schema_editor: Any) -> None:
    incident_model = apps.get_model("incidents", "Incident")
    event_model = apps.get_model("audit", "AuditEvent")
    stray = incident_model.objects.filter(status="assigned", handling_organisation__isnull=True)
    events = [
        event_model(
            action="case.status_changed",
            actor_label="migration incidents 0010",
            municipality_id=row.municipality_id,
            object_type="incidents.incident",
            object_id=str(row.pk),
            object_repr=row.reference[:255],
            changes={"status": ["assigned", "new"]},
        )
        for row in stray.only("pk", "municipality_id", "reference")
    ]
    event_model.objects.bulk_create(events, batch_size=500)
    stray.update(status="new", version=F("version") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0004_area_day_population"),
        ("audit", "0018_actions_session6"),
        ("incidents", "0009_bounds"),
        ("tenancy", "0005_municipality_branding"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(assigned_to_nobody_back_to_new, migrations.RunPython.noop),
    ]
