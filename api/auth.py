"""API keys: `pm_<prefix>_<secret>`; the database keeps the prefix and a hash of the whole key."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import Role
from data.models import ApiKey, Organization


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's role and organisation."""

    key_id: int
    role: Role
    organization_id: int | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, role: Role, organization: Organization | None, label: str = "") -> str:
    """A new key; the only time its secret exists outside the caller's hands is this return value."""
    if role in (Role.SME, Role.TTO) and organization is None:
        raise ValueError(f"a {role.value} key needs --org (the organisation it acts for)")
    prefix = secrets.token_hex(4)
    key = f"pm_{prefix}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(prefix=prefix, secret_hash=_hash(key), role=role, organization=organization, label=label))
    session.flush()
    return key


def authenticate(session: Session, key: str) -> Principal | None:
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "pm":
        return None
    record = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if record is None or record.revoked_at is not None or not hmac.compare_digest(record.secret_hash, _hash(key)):
        return None
    return Principal(record.id, record.role, record.organization_id)


def revoke_key(session: Session, prefix: str) -> bool:
    record = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = dt.datetime.now(dt.UTC)
    return True
