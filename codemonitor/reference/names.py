"""Display names of Member States and regions in the six languages."""

from __future__ import annotations

import gettext
import time
from functools import cache

import pycountry
from django.utils.translation import gettext_lazy as _

from codemonitor.core.languages import BY_CODE

REGION_NAMES = {
    "AFR": _("African Region"),
    "AMR": _("Region of the Americas"),
    "SEAR": _("South-East Asia Region"),
    "EUR": _("European Region"),
    "EMR": _("Eastern Mediterranean Region"),
    "WPR": _("Western Pacific Region"),
}
# pycountry's catalogs of ISO 3166 names, by our language codes.
_ISO_CATALOGS = {"fr": "fr", "ar": "ar", "zh": "zh_CN", "ru": "ru", "es": "es"}


@cache
def _iso_translation(language: str) -> gettext.NullTranslations:
    catalog = _ISO_CATALOGS.get(language)
    if catalog is None:
        return gettext.NullTranslations()
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[catalog], fallback=True
    )


_LABELS: dict[str, tuple[float, dict[str, str]]] = {}
LABELS_TTL = 60.0  # seconds: a name corrected by the Secretariat shows within a minute


def country_labels(language: str = "en") -> dict[str, str]:
    """Code -> display name (see `_country_labels`), cached per process for a minute."""
    now = time.monotonic()
    cached = _LABELS.get(language)
    if cached is None or now - cached[0] > LABELS_TTL:
        cached = (now, _country_labels(language))
        _LABELS[language] = cached
    return cached[1]


def _country_labels(language: str) -> dict[str, str]:
    """Code -> display name for the built-in `countries` list: Member States, then regions.

    English uses the names the Secretariat keeps (WHO's names where set); other languages use
    the ISO 3166 names in that language.
    """
    from codemonitor.reference.models import MemberState

    language = language if language in BY_CODE else "en"
    labels: dict[str, str] = {}
    translation = _iso_translation(language)
    for state in MemberState.objects.order_by("iso3"):
        if language == "en" or state.display_name:
            labels[state.iso3] = state.name
        else:
            country = pycountry.countries.get(alpha_3=state.iso3)
            labels[state.iso3] = translation.gettext(country.name) if country else state.name
    for code, name in REGION_NAMES.items():
        labels[code] = str(name)
    return labels
