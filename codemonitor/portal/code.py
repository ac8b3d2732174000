"""What the Code is (`/code/`): the WHO Global Code of Practice on the International Recruitment
of Health Personnel, its articles (as adopted), the reporting rounds and the national
authorities, in the portal's own words; the articles' titles from the reference data."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from codemonitor.core.languages import active
from codemonitor.portal.published import _public
from codemonitor.publication.public import public_rounds
from codemonitor.reference.models import CodeArticle


@require_safe
def code_page(request: HttpRequest) -> HttpResponse:
    language = active()
    articles = [(a.number, a.title(language)) for a in CodeArticle.objects.order_by("number")]
    rounds = list(public_rounds().values_list("number", "title"))
    version = f"{articles}|{rounds}"
    return _public(
        request, "portal/code.html", version, lambda: {"articles": articles, "rounds": rounds}
    )
