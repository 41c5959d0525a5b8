"""Areas: districts, DeSO, RegSO, vulnerable areas and custom polygons of one municipality."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("District")
    DESO = "deso", _("DeSO (demographic statistical area)")
    REGSO = "regso", _("RegSO (regional statistical area)")
    VULNERABLE = "vulnerable", _("Vulnerable area (police)")
    CUSTOM = "custom", _("Custom area")


class Area(models.Model):
    """A polygon, stored as GeoJSON in WGS 84 for maps, with its SWEREF 99 TM bounds indexed
    so that "which areas could hold this point" is an index range scan."""

    municipality = models.ForeignKey(
        "tenancy.Municipality",
        on_delete=models.PROTECT,
        related_name="areas",
        verbose_name=_("municipality"),
    )
    name = models.CharField(_("name"), max_length=150)
    code = models.CharField(_("code"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    geometry = models.JSONField(_("geometry (GeoJSON, WGS 84)"))
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()
    area_m2 = models.FloatField(_("area (m²)"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    # SCB's "förvärvsarbetande dagbefolkning": the people who work here in the daytime.
    day_population = models.PositiveIntegerField(_("day population"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["geometry"])

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["kind", "code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "name"], name="area_unique_name"
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "min_x", "max_x"], name="area_bounds_x"),
            models.Index(fields=["municipality", "min_y", "max_y"], name="area_bounds_y"),
        ]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """An address point of the kommun's register (areas/addresses.py): a place, never a
    person — the street and number a tap on the map is nearest to."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    street = models.CharField(_("street"), max_length=150)
    number = models.CharField(_("number"), max_length=20)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    locality = models.CharField(_("locality"), max_length=80, blank=True)
    x = models.FloatField()  # SWEREF 99 TM
    y = models.FloatField()
    lon = models.FloatField()
    lat = models.FloatField()

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        indexes = [models.Index(fields=["municipality", "street"], name="address_street")]

    def __str__(self) -> str:
        from .addresses import label

        return label(self.street, self.number, self.postcode, self.locality)
