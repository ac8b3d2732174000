"""The project's URLs: the back office, the Django admin (reference data), the public home.

Errors are answered by codemonitor/errors.py: pages drawn without the database, JSON for the
pages' scripts, 503 while the database is down."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, reverse
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView

from codemonitor import views
from codemonitor.portal.sitemaps import SITEMAPS


class _AdminSignIn(RedirectView):
    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        target = self.request.GET.get("next", "/admin/")
        return f"{reverse('accounts:sign_in')}?next={target}"


urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # What is published, for search engines (read through publication.public, as the pages).
    path("sitemap.xml", require_safe(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("language/", views.language_choose, name="language"),
    path("isri/", include("codemonitor.stakeholders.urls")),
    path("national/", include("codemonitor.national.urls")),
    path("backoffice/", include("codemonitor.backoffice.urls")),
    # The public portal: /recruiters/, /rounds/, /reports/, /countries/ (codemonitor/portal).
    path("", include("codemonitor.portal.urls")),
    path("account/", include("codemonitor.accounts.urls")),
    # The read API: /api/ (its documentation), /api/openapi.json (codemonitor/api).
    path("api/", include("codemonitor.api.urls")),
    path("admin/login/", _AdminSignIn.as_view()),
    path("admin/", admin.site.urls),
]

handler400 = "codemonitor.errors.bad_request"
handler403 = "codemonitor.errors.permission_denied"
handler404 = "codemonitor.errors.page_not_found"
handler500 = "codemonitor.errors.server_error"
