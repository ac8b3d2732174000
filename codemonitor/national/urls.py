from django.urls import path

from codemonitor.national import profile, views
from codemonitor.reporting.page_views import page_urlpatterns

app_name = "national"
urlpatterns = [
    path("", views.home, name="home"),
    path("contributors/", views.contributors, name="contributors"),
    path("authority/", views.authority, name="authority"),
    path("profile/", profile.profile, name="profile"),  # -- profile
    path(
        "contributors/<int:user_id>/remove/",
        views.contributor_remove_view,
        name="contributor_remove",
    ),
    *page_urlpatterns(views.PAGES, "reports/<str:key>/"),
    path("reports/<str:key>/review/", views.review, name="review"),
    path("reports/<str:key>/submit/", views.submit, name="submit"),
    path("reports/<str:key>/history/", views.history, name="history"),
    path("reports/<str:key>/report.pdf", views.printout, name="print"),
    path("reports/<str:key>/blank.pdf", views.blank, name="blank"),
]
