"""`{% load publication %}{% publication_notice round %}`: when a round becomes public (or since
when it is), for the people who write and review its reports."""

from __future__ import annotations

from django import template

from codemonitor.publication.public import publication_notice as notice_of
from codemonitor.reporting.models import Round

register = template.Library()


@register.simple_tag
def publication_notice(round_: Round) -> str:
    return notice_of(round_)
