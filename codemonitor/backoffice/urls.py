from django.urls import path

from codemonitor.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("instruments/", views.instrument_list, name="instruments"),
    path("instruments/upload/", views.instrument_upload, name="instrument_upload"),
    path(
        "instruments/<int:version_id>/", views.instrument_version_detail, name="instrument_version"
    ),
    path(
        "instruments/<int:version_id>/xlsform/",
        views.instrument_version_download,
        name="instrument_version_download",
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
