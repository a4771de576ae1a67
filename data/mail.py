"""Email for notifications, off by default: on when PATENT_MATCH_SMTP_HOST is set (data/settings.py).

An organisation's notice goes to its contact address (`Organization.contact_email`, the orgs import's 联系邮箱
column); operators' notices go to PATENT_MATCH_SMTP_OPERATOR_TO. Without an address nothing is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from sqlalchemy import Engine, select

from data.db import transaction
from data.models import Notification, Organization
from data.settings import Settings

logger = logging.getLogger(__name__)
SUBJECT = "【专利供需对接平台】{text}"


def enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def addresses(organization: Organization | None, settings: Settings) -> list[str]:
    """Where a notice goes: an organisation's contact, or the operators' addresses for theirs."""
    if organization is None:
        return list(settings.smtp_operator_to)
    contact = organization.contact_email
    return [contact] if contact else []


def subject(text: str) -> str:
    """One line: a line break in a header is refused by the email package (header injection)."""
    return SUBJECT.format(text=" ".join(text.split())[:60])


def send(settings: Settings, to: Sequence[str], subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_sender, ", ".join(to), subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as server:
        if settings.smtp_starttls:
            server.starttls()
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password or "")
        server.send_message(message)


def deliver(engine: Engine, ids: Sequence[int], settings: Settings) -> int:
    """Mail these notices (those not mailed yet, with an address); returns how many went out. A failure is
    logged and the notice stays unmailed: the in-app notice is the record, email only a courtesy."""
    if not enabled(settings):
        return 0
    sent = 0
    with transaction(engine) as session:
        notices = session.scalars(select(Notification).where(Notification.id.in_(list(ids)),
                                                             Notification.emailed_at.is_(None))).all()
        for notice in notices:
            organization = session.get(Organization, notice.organization_id) if notice.organization_id else None
            to = addresses(organization, settings)
            if not to:
                continue
            link = f"{settings.smtp_site_url.rstrip('/')}{notice.link}" if notice.link else ""
            try:
                send(settings, to, subject(notice.text), f"{notice.text}\n\n{link}".strip())
            except (OSError, smtplib.SMTPException, ValueError) as exc:  # ValueError: a header email refuses
                logger.warning("notice %s not mailed to %s: %s", notice.id, to, exc)
                continue
            notice.emailed_at = dt.datetime.now(dt.UTC)
            sent += 1
    return sent
