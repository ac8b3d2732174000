from django.urls import path

from codemonitor.national import recruiters, views
from codemonitor.reporting.page_views import page_urlpatterns

app_name = "national"
urlpatterns = [
    path("", views.home, name="home"),
    path("contributors/", views.contributors, name="contributors"),
    path("authority/", views.authority, name="authority"),
    path(
        "contributors/<int:user_id>/remove/",
        views.contributor_remove_view,
        name="contributor_remove",
    ),
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
