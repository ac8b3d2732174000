"""Search across everything published (`/search/?q=…&round=&region=&question=&article=`):
the text answers of the published reports only (`publication.search.public_search`). A filter
that names nothing published is said on the page and dropped, never an error; GET only, no
JavaScript; kept by the browser with an ETag of what is published."""

from __future__ import annotations

from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from codemonitor.core.languages import active
from codemonitor.portal.published import _public
from codemonitor.publication.public import all_public_reports
from codemonitor.publication.search import PER_PAGE, public_search, search_form


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    published = all_public_reports().aggregate(count=Count("pk"), last=Max("updated_at"))
    version = f"{published['count']}@{published['last']}|{request.GET.urlencode()}"

    def context() -> dict[str, object]:
        language = active()
        results = public_search(request.GET, language=language)
        base = results.filters.params()
        return {
            "results": results,
            "form": search_form(language),
            "filters": results.filters,
            "previous": urlencode({**base, "page": str(results.page - 1)}),
            "next": urlencode({**base, "page": str(results.page + 1)}),
            "start": (results.page - 1) * PER_PAGE + 1,
        }

    return _public(request, "portal/search.html", version, context)
