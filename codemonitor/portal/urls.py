from django.urls import path

from codemonitor.portal import published, views

app_name = "portal"
urlpatterns = [
    path("recruiters/", views.recruiter_lookup_view, name="recruiters"),
    # What is published after the embargo (publication.public decides).
    path("rounds/", published.rounds, name="rounds"),
    path("rounds/<int:number>/", published.round_page, name="round"),
    path("reports/<int:report_id>/", published.report_page, name="report"),
    path("countries/<str:iso3>/", published.country_page, name="country"),
]
