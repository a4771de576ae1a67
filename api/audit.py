"""The audit log: every change a request makes to a record, with who made it and the record before and after."""

from __future__ import annotations

import json

from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.auth import Principal
from data.models import AuditEntry


def snapshot(out: BaseModel) -> dict:
    """A record as the API shows it, in JSON types (dates and amounts as strings)."""
    return json.loads(out.model_dump_json())


def actor(who: Principal) -> str:
    """Who made a change, as the audit log and the ownership ledger write it: role and key id."""
    return f"{who.role.value}#{who.key_id}"


def record(db: Session, who: Principal, action: str, entity: str, entity_id: int, before: dict | None,
           after: dict | None) -> None:
    db.add(AuditEntry(actor=actor(who), action=action, entity=entity, entity_id=entity_id,
                      before=before, after=after))
