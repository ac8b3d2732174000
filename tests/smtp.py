"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), collecting what it receives.

Django's SMTP backend returns once the server has accepted every message (the server stores
a message before it answers the DATA command): a test that sends from its own thread finds its
mail in the mailbox when the sending call returns, and `wait_for` returns at once. Waiting is
for mail sent by another thread (the live server of the browser tests).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_until(self, predicate, timeout: float = 10.0) -> bool:
        """Wait (without polling) until `predicate()` holds or `timeout` seconds passed."""
        with self._arrived:
            return bool(self._arrived.wait_for(predicate, timeout))

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages, once there are `count` of them or after `timeout` seconds."""
        self.wait_until(lambda: len(self.messages) >= count, timeout)
        return self.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @staticmethod
    def attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
        return [
            (part.get_filename() or "", part.get_payload(decode=True) or b"")
            for part in message.iter_attachments()
        ]


class SMTPServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
