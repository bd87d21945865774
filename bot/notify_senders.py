"""How messages to residents are sent: GOV.UK Notify when `NOTIFY_API_KEY` is set, else plain SMTP.

SMTP (`SMTP_HOST`, `SMTP_PORT`, `SMTP_FROM`, and `SMTP_USERNAME`/`SMTP_PASSWORD`
with `SMTP_STARTTLS=1` for a real server) sends email only; text messages need
Notify. `make run` starts a local SMTP server that writes to `var/mail/`.
"""
from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from typing import Dict
from urllib.parse import urlparse

from bot.notifications import SendFailed
from bot.report_statuses import compose
from bot.settings import council


class SmtpSender:
    def __init__(self) -> None:
        self.host = os.environ.get("SMTP_HOST", "127.0.0.1")
        self.port = int(os.environ.get("SMTP_PORT", "8025"))
        domain = urlparse(council().website).hostname or "localhost"
        self.sender = os.environ.get("SMTP_FROM") or f"{council().short_name} <noreply@{domain}>"
        self.username = os.environ.get("SMTP_USERNAME", "")
        self.password = os.environ.get("SMTP_PASSWORD", "")
        self.starttls = os.environ.get("SMTP_STARTTLS", "") == "1"

    def send(self, channel: str, recipient: str, fields: Dict[str, str]) -> None:
        if channel != "email":
            raise SendFailed("text messages need GOV.UK Notify (NOTIFY_API_KEY)", final=True)
        subject, body = compose(fields)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=10) as server:
                if self.starttls:
                    server.starttls()
                if self.username:
                    server.login(self.username, self.password)
                server.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendFailed(f"the mail server refused {recipient}", final=True) from error
        except (OSError, smtplib.SMTPException) as error:
            raise SendFailed(str(error)) from error


class NotifySender:
    """GOV.UK Notify, through its official client; the templates' ids come from the environment."""

    def __init__(self, api_key: str) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient
        self.client = NotificationsAPIClient(api_key, base_url=os.environ.get("NOTIFY_BASE_URL",
                                                                              "https://api.notifications.service.gov.uk"))
        self.templates = {"email": os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID", ""),
                          "sms": os.environ.get("NOTIFY_SMS_TEMPLATE_ID", "")}

    def send(self, channel: str, recipient: str, fields: Dict[str, str]) -> None:
        from notifications_python_client.errors import APIError
        template = self.templates.get(channel)
        if not template:
            raise SendFailed(f"no GOV.UK Notify template is set for {channel}", final=True)
        try:
            if channel == "email":
                self.client.send_email_notification(email_address=recipient, template_id=template,
                                                    personalisation=fields, reference=fields["reference"])
            else:
                self.client.send_sms_notification(phone_number=recipient, template_id=template,
                                                  personalisation=fields, reference=fields["reference"])
        except APIError as error:
            # 400 and 403: the message or key is wrong, sending again will not help; 429 and 5xx will pass.
            raise SendFailed(str(error), final=getattr(error, "status_code", 500) in (400, 403)) from error
        except OSError as error:
            raise SendFailed(str(error)) from error


def sender():
    key = os.environ.get("NOTIFY_API_KEY", "")
    return NotifySender(key) if key else SmtpSender()
