from django.urls import path

from codemonitor.backoffice import countries, national, registers, views

app_name = "backoffice"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("instruments/", views.instrument_list, name="instruments"),
    path("instruments/upload/", views.instrument_upload, name="instrument_upload"),
    path(
        "instruments/<int:version_id>/", views.instrument_version_detail, name="instrument_version"
    ),
    path(
        "instruments/<int:version_id>/blank.pdf",
        views.instrument_version_blank,
        name="instrument_version_blank",
    ),
    path(
        "instruments/<int:version_id>/xlsform/",
        views.instrument_version_download,
        name="instrument_version_download",
    ),
    path("rounds/<int:number>/national/", national.round_overview, name="round_overview"),
    path("rounds/<int:number>/national/open/", national.round_open, name="round_open"),
    path("national-reports/<int:report_id>/", national.national_report, name="national_report"),
    path(
        "national-reports/<int:report_id>/<str:action>/",
        national.national_report_action,
        name="national_report_action",
    ),
    path("registers/authorities/", registers.register, name="registers"),
    path("registers/authorities.csv", registers.register_export, name="register_export"),
    path("registers/authorities/<str:iso3>/", registers.entry, name="register_entry"),
    path(
        "registers/proposals/<int:proposal_id>/<str:decision>/",
        registers.proposal_decision,
        name="register_proposal",
    ),
    # -- profile
    path("countries/", countries.countries, name="countries"),
    path("countries/<str:iso3>/", countries.country, name="country"),
    path("stakeholder-reports/", views.stakeholder_reports, name="stakeholder_reports"),
    path(
        "stakeholder-reports/<int:report_id>/", views.stakeholder_report, name="stakeholder_report"
    ),
    path(
        "stakeholder-reports/<int:report_id>/reopen/",
        views.stakeholder_report_reopen,
        name="stakeholder_report_reopen",
    ),
]
