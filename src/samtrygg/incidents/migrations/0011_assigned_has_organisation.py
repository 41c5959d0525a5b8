"""The database refuses a case 'Assigned' to no organisation (0010 fixed existing rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_assigned_to_nobody_back_to_new"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "assigned"), _negated=True),
                    ("handling_organisation__isnull", False),
                    _connector="OR",
                ),
                name="incident_assigned_has_organisation",
            ),
        ),
    ]
