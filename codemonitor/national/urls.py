from django.urls import path

from codemonitor.national import analysis, laws, profile, recruiters, views
from codemonitor.reporting.page_views import page_urlpatterns

app_name = "national"
urlpatterns = [
    path("", views.home, name="home"),
    path("contributors/", views.contributors, name="contributors"),
    path("authority/", views.authority, name="authority"),
    path("profile/", profile.profile, name="profile"),  # -- profile
    path("analysis/", analysis.analysis, name="analysis"),  # -- analysis: across rounds
    path(
        "contributors/<int:user_id>/remove/",
        views.contributor_remove_view,
        name="contributor_remove",
    ),
    # -- laws
    path("laws/", laws.laws, name="laws"),
    path("laws/add/", laws.law_add, name="law_add"),
    path("laws/from-report/", laws.laws_from_report, name="laws_from_report"),
    path("laws/template.csv", laws.laws_template, name="laws_template"),
    path("laws/import/", laws.laws_import, name="laws_import"),
    path("laws/import/<int:import_id>/", laws.laws_import_preview, name="laws_import_preview"),
    path(
        "laws/import/<int:import_id>/<str:action>/",
        laws.laws_import_decide,
        name="laws_import_decide",
    ),
    path("laws/<int:law_id>/", laws.law, name="law"),
    path("laws/<int:law_id>/edit/", laws.law_edit, name="law_edit"),
    path("laws/<int:law_id>/remove/", laws.law_remove_view, name="law_remove"),
    path("laws/<int:law_id>/document/", laws.law_document, name="law_document"),
    # -- recruiters
    path("recruiters/", recruiters.recruiters, name="recruiters"),
    path("recruiters/add/", recruiters.recruiter_add, name="recruiter_add"),
    path("recruiters/<int:recruiter_id>/", recruiters.recruiter, name="recruiter"),
    path(
        "recruiters/<int:recruiter_id>/remove/",
        recruiters.recruiter_remove_view,
        name="recruiter_remove",
    ),
    path("recruiters/import/", recruiters.recruiter_import, name="recruiter_import"),
    path(
        "recruiters/import/<int:import_id>/",
        recruiters.recruiter_import_page,
        name="recruiter_import_page",
    ),
    *page_urlpatterns(views.PAGES, "reports/<str:key>/"),
    path("reports/<str:key>/review/", views.review, name="review"),
    path("reports/<str:key>/submit/", views.submit, name="submit"),
    path("reports/<str:key>/history/", views.history, name="history"),
    path("reports/<str:key>/report.pdf", views.printout, name="print"),
    path("reports/<str:key>/blank.pdf", views.blank, name="blank"),
]
