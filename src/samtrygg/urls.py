from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, register_converter

from samtrygg.areas import views as area_views
from samtrygg.audit import views as audit_views
from samtrygg.core import views as core_views
from samtrygg.core.api import api
from samtrygg.core.converters import IdConverter
from samtrygg.exchange import survey_views
from samtrygg.exchange import views as exchange_views
from samtrygg.incidents import category_views, week_views
from samtrygg.incidents import quick as quick_views
from samtrygg.incidents import views as incident_views
from samtrygg.plans import public as plan_public
from samtrygg.plans import views as plan_views
from samtrygg.situation import analysis_views, contribution_views, report_views
from samtrygg.situation import views as situation_views
from samtrygg.tenancy import views as tenancy_views

register_converter(IdConverter, "id")

# Everything under k/<municipality>/ goes through tenancy.policy.municipality_view.
municipality_patterns = [
    path("", core_views.municipality_home, name="municipality_home"),
    path("organisations/", tenancy_views.organisation_list, name="organisation_list"),
    path(
        "organisations/<id:organisation_id>/",
        tenancy_views.organisation_edit,
        name="organisation_edit",
    ),
    path("members/", tenancy_views.member_list, name="member_list"),
    path("members/<id:membership_id>/", tenancy_views.member_edit, name="member_edit"),
    path(
        "members/<id:membership_id>/unlock/",
        tenancy_views.member_unlock,
        name="member_unlock",
    ),
    path(
        "invitations/<id:invitation_id>/revoke/",
        tenancy_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("settings/profile/", tenancy_views.branding_settings, name="branding_settings"),
    path(
        "settings/profile/template.docx",
        tenancy_views.branding_default_template,
        name="branding_default_template",
    ),
    path("settings/public-texts/", tenancy_views.public_texts_edit, name="public_texts_edit"),
    path("branding.css", tenancy_views.branding_css, name="branding_css"),
    path("branding/logo.png", tenancy_views.branding_logo, name="branding_logo"),
    path("areas/", area_views.area_list, name="area_list"),
    path("areas/<id:area_id>/", area_views.area_detail, name="area_detail"),
    path("places/lookup/", area_views.place_lookup, name="place_lookup"),
    path("places/search/", area_views.address_search, name="address_search"),
    path("geo/areas.geojson", area_views.areas_geojson, name="areas_geojson"),
    path("geo/boundary.geojson", area_views.boundary_geojson, name="boundary_geojson"),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("categories/", category_views.category_list, name="category_list"),
    path("categories/<id:category_id>/", category_views.category_edit, name="category_edit"),
    path("police-types/", category_views.police_type_mapping, name="police_type_mapping"),
    path("import/", exchange_views.import_page, name="import_page"),
    path("jobs/<id:job_id>/", exchange_views.job_detail, name="job_detail"),
    path("jobs/<id:job_id>/download/", exchange_views.job_download, name="job_download"),
    path("situation/", situation_views.situation_map, name="situation_map"),
    path("dashboard/", situation_views.dashboard, name="dashboard"),
    path("lagesbild/", report_views.report_list, name="report_list"),
    path("lagesbild/week/", report_views.weekly_picture, name="weekly_picture"),
    path("lagesbild/tables/", report_views.table_list, name="table_list"),
    path("lagesbild/surveys/", survey_views.survey_list, name="survey_list"),
    path(
        "lagesbild/contributions/",
        contribution_views.contribution_list,
        name="contribution_list",
    ),
    path(
        "lagesbild/contributions/template.xlsx",
        contribution_views.contribution_template,
        name="contribution_template",
    ),
    path(
        "lagesbild/contributions/<id:contribution_id>/",
        contribution_views.contribution_detail,
        name="contribution_detail",
    ),
    path("lagesbild/<id:report_id>/", report_views.report_detail, name="report_detail"),
    path("lagesbild/analyses/", analysis_views.analysis_list, name="analysis_list"),
    path(
        "lagesbild/analyses/<id:analysis_id>/",
        analysis_views.analysis_detail,
        name="analysis_detail",
    ),
    *(
        # Named report_document_…: tests/situation/test_small_counts.py walks these names.
        path(
            f"lagesbild/analyses/<id:analysis_id>/document.{fmt}",
            analysis_views.analysis_document,
            {"fmt": fmt},
            name=f"report_document_analysis_{fmt}",
        )
        for fmt in ("pdf", "docx")
    ),
    *(
        path(
            f"lagesbild/<id:report_id>/document.{fmt}",
            report_views.report_document,
            {"fmt": fmt},
            name=f"report_document_{fmt}",
        )
        for fmt in ("pdf", "docx")
    ),
    *(
        path(
            f"dashboard/{block}.csv",
            situation_views.dashboard_csv,
            {"block": block},
            name=f"dashboard_csv_{block.replace('-', '_')}",
        )
        for block in ("key-figures", "trend", "weekday-hour", "areas", "emerging")
    ),
    *(
        path(
            f"situation/{layer}.json",
            situation_views.situation_layer,
            {"layer": layer},
            name=f"situation_layer_{layer}",
        )
        for layer in ("points", "heat", "grid", "hotspots", "areas", "assessments")
    ),
    *(
        path(
            f"situation/{table}.csv",
            situation_views.situation_table_csv,
            {"table": table},
            name=f"situation_table_{table}",
        )
        for table in ("areas", "grid", "hotspots", "points")
    ),
    path("problems/", plan_views.problem_list, name="problem_list"),
    path("problems/<id:problem_id>/", plan_views.problem_detail, name="problem_detail"),
    path("plans/", plan_views.plan_list, name="plan_list"),
    path("plans/<id:plan_id>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<id:plan_id>/minutes/", plan_views.plan_minutes, name="plan_minutes"),
    *(
        path(
            f"plans/<id:plan_id>/document.{fmt}",
            plan_views.plan_document,
            {"fmt": fmt},
            name=f"plan_document_{fmt}",
        )
        for fmt in ("pdf", "docx")
    ),
    path("evaluations/", plan_views.evaluation_list, name="evaluation_list"),
    path(
        "evaluations/<id:evaluation_id>/",
        plan_views.evaluation_detail,
        name="evaluation_detail",
    ),
    *(
        path(
            f"evaluations/<id:evaluation_id>/document.{fmt}",
            plan_views.evaluation_document,
            {"fmt": fmt},
            name=f"evaluation_document_{fmt}",
        )
        for fmt in ("pdf", "docx")
    ),
    path("agreements/", plan_views.agreement_list, name="agreement_list"),
    path("council/", plan_views.council, name="council"),
    path("promises/", plan_views.promise_list, name="promise_list"),
    path("promises/<id:promise_id>/", plan_views.promise_detail, name="promise_detail"),
    path(
        "promises/activities/<id:activity_id>/",
        plan_views.promise_activity,
        name="promise_activity",
    ),
    path("meetings/", plan_views.meeting_list, name="meeting_list"),
    path("meetings/<id:meeting_id>/", plan_views.meeting_detail, name="meeting_detail"),
    path("compliance/", plan_views.compliance_page, name="compliance"),
    path("council-reports/", plan_views.council_report_list, name="council_reports"),
    path(
        "council-reports/<id:council_report_id>/",
        plan_views.council_report_detail,
        name="council_report_detail",
    ),
    *(
        path(
            f"council-reports/<id:council_report_id>/document.{fmt}",
            plan_views.council_report_document,
            {"fmt": fmt},
            name=f"council_report_document_{fmt}",
        )
        for fmt in ("pdf", "docx")
    ),
    *(
        path(
            f"compliance/council-report.{fmt}",
            plan_views.council_report,
            {"fmt": fmt},
            name=f"council_report_{fmt}",
        )
        for fmt in ("pdf", "docx")
    ),
    path("report/", incident_views.weekly_report, name="weekly_report"),
    path("report/quick/", quick_views.quick_report, name="quick_report"),
    path("weeks/", week_views.week_overview, name="week_overview"),
    path("incidents/", incident_views.incident_list, name="incident_list"),
    *(
        path(
            f"incidents/export.{fmt}",
            incident_views.incident_export,
            {"fmt": fmt},
            name=f"incident_export_{fmt}",
        )
        for fmt in ("csv", "xlsx", "geojson")
    ),
    path("incidents/<id:incident_id>/", incident_views.incident_detail, name="incident_detail"),
    path(
        "incidents/<id:incident_id>/photos/<id:photo_id>/",
        incident_views.incident_photo,
        name="incident_photo",
    ),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("k/<slug:municipality>/", include(municipality_patterns)),
    path("invitation/<str:token>/", tenancy_views.invitation_accept, name="invitation_accept"),
    path("public/<slug:slug>/", plan_public.public_page, name="public_page"),
    path("region/", plan_public.regional_overview, name="regional_overview"),
    path(
        "about/accessibility/",
        tenancy_views.public_text_page,
        {"kind": "accessibility_statement"},
        name="accessibility_statement_default",
    ),
    path(
        "about/personal-data/",
        tenancy_views.public_text_page,
        {"kind": "personal_data"},
        name="personal_data_default",
    ),
    path(
        "about/<slug:municipality>/accessibility/",
        tenancy_views.public_text_page,
        {"kind": "accessibility_statement"},
        name="accessibility_statement",
    ),
    path(
        "about/<slug:municipality>/personal-data/",
        tenancy_views.public_text_page,
        {"kind": "personal_data"},
        name="personal_data",
    ),
    path("me/api-tokens/", tenancy_views.api_tokens, name="api_tokens"),
    path("me/notifications/", week_views.notification_settings, name="notification_settings"),
    path(
        "me/api-tokens/<id:token_id>/revoke/",
        tenancy_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

# Error pages in Swedish (JSON under /api/); the CSRF page is settings.CSRF_FAILURE_VIEW.
handler400 = "samtrygg.core.views.bad_request"
handler403 = "samtrygg.core.views.permission_denied"
handler404 = "samtrygg.core.views.page_not_found"
handler500 = "samtrygg.core.views.server_error"
