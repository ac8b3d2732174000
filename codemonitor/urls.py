"""The project's URLs: the back office, the Django admin (reference data), the public home."""

from django.contrib import admin
from django.urls import include, path

from codemonitor import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("isri/", include("codemonitor.stakeholders.urls")),
    path("backoffice/", include("codemonitor.backoffice.urls")),
    path("admin/", admin.site.urls),
]
