"""`{% load publication %}{% publication_notice round %}`: when a round becomes public (or since
when it is), for the people who write and review its reports; `{{ code|country_name }}`: a
Member State's name in the active language (the messages telling people their report is
public are written in each person's language)."""

from __future__ import annotations

from django import template

from codemonitor.core.languages import active
from codemonitor.publication.public import publication_notice as notice_of
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Round

register = template.Library()


@register.simple_tag
def publication_notice(round_: Round) -> str:
    return notice_of(round_)


@register.filter
def country_name(code: object) -> str:
    text = str(code or "")
    return country_labels(active()).get(text, text)
