"""Sending one e-mail: a one-method seam (`Mailer`) and its SMTP implementation.

core/bootstrap.py builds an `SMTPMailer` when Settings name an SMTP host, else none; tests
point the same class at a local aiosmtpd server. Errors are the smtplib and socket ones
(`smtplib.SMTPException`, `OSError`): the caller logs them and carries on.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

from core.settings import Settings

TIMEOUT_S = 10  # a slow mail server must not hold a worker for long


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, text: str, link: str = "") -> None:
        """Send one plain-text e-mail; `link` is an app path (video?id=3) to open."""
        ...


class SMTPMailer:
    """Mailer over smtplib: one connection per e-mail (they are rare), STARTTLS and a login
    when Settings ask for them."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, *, to: str, subject: str, text: str, link: str = "") -> None:
        s = self._settings
        message = EmailMessage()
        message["From"] = s.smtp_sender
        message["To"] = to
        message["Subject"] = " ".join(subject.split())  # one line, whatever the title holds
        address = f"{s.app_url}/{link}" if link else s.app_url
        message.set_content(
            f"{text}\n\nOpen it in Faceless Studio: {address}\n\n"
            "You get this e-mail because you asked for notifications by e-mail; switch them "
            "off under Settings › Notifications.\n"
        )
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_S) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            smtp.send_message(message)
