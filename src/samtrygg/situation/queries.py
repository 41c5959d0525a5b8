"""Who sees which lägesbild: drafts are for those who write them (analysts, coordinators,
administrators); an approved lägesbild is for every member, viewers included."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from samtrygg.tenancy.policy import Access, scope_for
from samtrygg.tenancy.roles import Permission

from .models import (
    AnalysisStatus,
    Contribution,
    ImportedTable,
    PeriodAnalysis,
    ReportStatus,
    SituationReport,
)


@scope_for(SituationReport)
def scope_reports(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    rows = queryset.filter(municipality=access.municipality)
    if access.can(Permission.EDIT_SITUATION_REPORTS):
        return rows
    return rows.filter(status=ReportStatus.APPROVED)


@scope_for(PeriodAnalysis)
def scope_analyses(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    """As the lägesbild: drafts for those who write them, final ones for every member."""
    rows = queryset.filter(municipality=access.municipality)
    if access.can(Permission.EDIT_SITUATION_REPORTS):
        return rows
    return rows.filter(status=AnalysisStatus.FINAL)


@scope_for(ImportedTable)
def scope_tables(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    return queryset.filter(municipality=access.municipality)


def reports(access: Access) -> QuerySet[SituationReport]:
    return access.scope(SituationReport.objects.all())


def analyses(access: Access) -> QuerySet[PeriodAnalysis]:
    return access.scope(PeriodAnalysis.objects.all())


@scope_for(Contribution)
def scope_contributions(queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
    """A party's own lägesbild: those who write the lägesbild see every party's; a member with
    the handler role or above sees its own organisation's (situation/contributions.py)."""
    from .contributions import own_parties

    rows = queryset.filter(report__municipality=access.municipality)
    if access.can(Permission.EDIT_SITUATION_REPORTS):
        return rows
    return rows.filter(organisation_id__in=own_parties(access))


def contributions(access: Access) -> QuerySet[Contribution]:
    return access.scope(
        Contribution.objects.select_related("report", "organisation", "submitted_by")
    )
