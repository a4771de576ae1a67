"""Browser sessions: sign in with an API key, get an HttpOnly SameSite cookie holding a random token.

The database keeps only the token's hash, so a leaked database does not leak sessions. Each session has
its own form token (CSRF); signing out deletes the session, and a revoked key ends its sessions at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.auth import Principal, authenticate
from data.models import ApiKey, WebSession

COOKIE = "pm_session"
LIFETIME = dt.timedelta(hours=12)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_session(db: Session, key: str) -> str | None:
    """A new session token for a valid key, or None; expired sessions are swept on the way."""
    who = authenticate(db, key.strip())
    if who is None:
        return None
    db.execute(delete(WebSession).where(WebSession.expires_at < _now()))
    token = secrets.token_urlsafe(32)
    db.add(WebSession(token_hash=_hash(token), api_key_id=who.key_id, csrf_token=secrets.token_urlsafe(24),
                      expires_at=_now() + LIFETIME))
    db.commit()
    return token


def find_session(db: Session, token: str) -> tuple[WebSession, Principal] | None:
    found = db.scalar(select(WebSession).join(ApiKey).where(
        WebSession.token_hash == _hash(token), WebSession.expires_at > _now(), ApiKey.revoked_at.is_(None)))
    if found is None:
        return None
    key = found.api_key
    return found, Principal(key.id, key.role, key.organization_id)


def close_session(db: Session, token: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))
    db.commit()
