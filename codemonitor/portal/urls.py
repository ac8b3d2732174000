from django.urls import path

from codemonitor.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.recruiter_lookup_view, name="recruiters"),
]
