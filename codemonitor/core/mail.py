"""Sending email in the recipient's language, from templates, with attachments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from codemonitor.core.languages import BY_CODE


def mail_render(*, template: str, context: dict[str, Any], language: str = "en") -> tuple[str, str]:
    """Subject and body of `email/<template>` in a language."""
    code = BY_CODE[language].django_code if language in BY_CODE else "en"
    with translation.override(code):
        subject = " ".join(render_to_string(f"email/{template}.subject.txt", context).split())
        body = render_to_string(f"email/{template}.body.txt", context)
    return subject, body


@task()
def mail_deliver(to: list[str], subject: str, body: str) -> None:
    """Send an email that was rendered when it was queued (runs in the background worker)."""
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to).send(
        fail_silently=False
    )


def mail_queue(
    *, to: Sequence[str], template: str, context: dict[str, Any], language: str = "en"
) -> None:
    """Render an email now and hand it to the worker once the transaction commits."""
    subject, body = mail_render(template=template, context=context, language=language)
    recipients = list(to)
    transaction.on_commit(lambda: mail_deliver.enqueue(recipients, subject, body))


def mail_queue_each(people: Iterable[Any], *, template: str, context: dict[str, Any]) -> None:
    """Queue one email per person (an account), in that person's language."""
    for person in people:
        mail_queue(
            to=[person.email],
            template=template,
            language=person.language,
            context={**context, "person": person},
        )


def mail_send(
    *,
    to: Sequence[str],
    template: str,
    context: dict[str, Any],
    language: str = "en",
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Render `email/<template>.subject.txt` and `.body.txt` in `language` and send them.

    Raises on SMTP failure: callers decide whether a failure undoes their work.
    """
    subject, body = mail_render(template=template, context=context, language=language)
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=list(to)
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send(fail_silently=False)
