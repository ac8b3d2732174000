from django.urls import path

from codemonitor.backoffice import (
    analysis,
    analysis_completeness,
    analysis_questions,
    analysis_report,
    analysis_text,
    analysis_trends,
    countries,
    laws,
    national,
    opendata,
    publication,
    recruiters,
    registers,
    views,
    workforce,
)

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
    path(
        "rounds/<int:number>/data/",
        opendata.round_data,
        name="round_data",
    ),
    path(
        "rounds/<int:number>/publication/",
        publication.round_publication,
        name="round_publication",
    ),
    path(
        "reports/<int:report_id>/publication/<str:decision>/",
        publication.report_publication,
        name="report_publication",
    ),
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
    # -- laws
    path("registers/laws/", laws.laws, name="laws"),
    path("registers/laws.csv", laws.laws_export, name="laws_export"),
    path("registers/laws/pending/", laws.laws_pending, name="laws_pending"),
    path("registers/laws/template.csv", laws.laws_template, name="laws_template"),
    path("registers/laws/import/", laws.laws_import, name="laws_import"),
    path(
        "registers/laws/import/<int:import_id>/",
        laws.laws_import_preview,
        name="laws_import_preview",
    ),
    path(
        "registers/laws/import/<int:import_id>/<str:action>/",
        laws.laws_import_decide,
        name="laws_import_decide",
    ),
    path("registers/laws/add/", laws.law_add, name="law_add"),
    path("registers/laws/<int:law_id>/", laws.law, name="law"),
    path("registers/laws/<int:law_id>/edit/", laws.law_edit, name="law_edit"),
    path("registers/laws/<int:law_id>/document/", laws.law_document, name="law_document"),
    path("registers/laws/<int:law_id>/<str:decision>/", laws.law_decision, name="law_decision"),
    # -- recruiters
    path("registers/recruiters/", recruiters.recruiters, name="recruiters"),
    path("registers/recruiters.csv", recruiters.recruiters_export, name="recruiters_export"),
    path("registers/recruiters/<int:recruiter_id>/", recruiters.recruiter, name="recruiter"),
    path(
        "registers/recruiters/<int:recruiter_id>/validation/",
        recruiters.recruiter_validation,
        name="recruiter_validation",
    ),
    path("registers/recruiters/import/", recruiters.recruiter_import, name="recruiter_import"),
    path(
        "registers/recruiters/import/<int:import_id>/",
        recruiters.recruiter_import_page,
        name="recruiter_import_page",
    ),
    # -- workforce import
    path("workforce/", workforce.statistics_files, name="statistics_files"),
    path("workforce/import/", workforce.statistics_import_page, name="statistics_import"),
    path("workforce/files/<int:file_id>/", workforce.statistics_file, name="statistics_file"),
    path("workforce/statistics/", workforce.statistics_browse, name="statistics"),
    path("workforce/statistics.csv", workforce.statistics_export, name="statistics_export"),
    # -- profile
    path("countries/", countries.countries, name="countries"),
    path("countries/<str:iso3>/", countries.country, name="country"),
    # -- analysis of a round
    path("analysis/", analysis.analysis_home, name="analysis"),
    path(
        "analysis/completeness/",
        analysis_completeness.analysis_completeness,
        name="analysis_completeness",
    ),
    path(
        "analysis/completeness/list/",
        analysis_completeness.analysis_completeness_list,
        name="analysis_completeness_list",
    ),
    # -- analysis: a country across rounds
    path("analysis/countries/", analysis_trends.analysis_countries, name="analysis_countries"),
    path(
        "analysis/countries/<str:iso3>/",
        analysis_trends.analysis_country,
        name="analysis_country",
    ),
    # -- analysis: questions tabulated, and the reports behind a number
    path(
        "analysis/questions/",
        analysis_questions.analysis_questions,
        name="analysis_questions",
    ),
    path(
        "analysis/questions/<str:name>/",
        analysis_questions.analysis_question,
        name="analysis_question",
    ),
    path("analysis/reports/", analysis_questions.analysis_reports, name="analysis_reports"),
    # -- reading the free text
    path("analysis/search/", analysis_text.analysis_search, name="analysis_search"),
    path(
        "analysis/answers/<int:report_id>/<str:question>/",
        analysis_text.analysis_answer,
        name="analysis_answer",
    ),
    path("analysis/codebook/", analysis_text.analysis_codebook, name="analysis_codebook"),
    path("analysis/codebook/<int:code_id>/", analysis_text.analysis_code, name="analysis_code"),
    path("analysis/codings/", analysis_text.analysis_codings, name="analysis_codings"),
    path(
        "analysis/codings/<int:coding_id>/",
        analysis_text.analysis_coding,
        name="analysis_coding",
    ),
    path("analysis/report/", analysis_report.analysis_report, name="analysis_report"),
    path(
        "analysis/report.<str:fmt>",
        analysis_report.analysis_report_download,
        name="analysis_report_download",
    ),
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
