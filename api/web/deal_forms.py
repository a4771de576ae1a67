"""What the operator's deal pages read from a request: the search filters, and an edit form turned into the
changes PATCH /transactions/{id} takes (only the fields the person changed, so the audit log stays honest)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from fastapi import Query

from data.deal_search import DealQuery
from data.enums import DealStatus, Role, TransactionKind
from data.models import Transaction

PAGE_SIZES = (20, 50, 100)
EDITABLE = ("received_amount", "recorded_on", "filing_status", "excess_note", "note")
NULLABLE = {"received_amount", "recorded_on", "filing_status"}  # text fields are cleared to "", never to NULL
FIELD_KEYS = {  # a field of the deal → its label's key in api/web/i18n.py
    "received_amount": "deal.received", "recorded_on": "deal.recorded_on", "filing_status": "deal.filing",
    "excess_note": "deal.excess_short", "note": "deal.note", "status": "deal.status",
    "effective_on": "deal.effective_on", "signed_on": "deal.signed", "license_type": "deal.licence_type",
    "contract_amount": "deal.contract", "from_org_id": "deal.from", "to_org_id": "deal.to", "kind": "deal.kind",
    "application_numbers": "deal.numbers_short", "external_id": "deal.external", "ends_on": "deal.ends_on",
}
_KINDS = "|".join(k.value for k in TransactionKind)
_STATUSES = "|".join(s.value for s in DealStatus)


@dataclass(frozen=True)
class DealFilters:
    q: str = ""
    kind: str = ""
    status: str = ""
    year: str = ""
    offset: int = 0
    limit: int = PAGE_SIZES[0]

    def query(self) -> DealQuery:
        return DealQuery(self.q, TransactionKind(self.kind) if self.kind else None,
                         DealStatus(self.status) if self.status else None, int(self.year) if self.year else None)

    def link(self, **changed: object) -> str:
        """This search's address with some parameters changed; blanks and defaults are left out."""
        values = {"q": self.q, "kind": self.kind, "status": self.status, "year": self.year,
                  "limit": self.limit if self.limit != PAGE_SIZES[0] else "", "offset": self.offset or "", **changed}
        return "/ui/transactions?" + urlencode({k: v for k, v in values.items() if v not in ("", None, 0)})


def deal_filters(q: str = Query("", max_length=100), kind: str = Query("", pattern=f"^(|{_KINDS})$"),
                 status: str = Query("", pattern=f"^(|{_STATUSES})$"),
                 year: str = Query("", pattern=r"^(|(19|20)\d\d)$"), offset: int = Query(0, ge=0, le=1_000_000),
                 limit: int = Query(PAGE_SIZES[0], ge=1, le=PAGE_SIZES[-1])) -> DealFilters:
    return DealFilters(q.strip(), kind, status, year, offset, limit)


def stored(deal: Transaction, name: str) -> str:
    """A field as the edit form shows it."""
    value = getattr(deal, name)
    return "" if value is None else str(value)


def _same(name: str, typed: str, deal: Transaction) -> bool:
    if name == "received_amount" and typed and deal.received_amount is not None:
        try:
            return Decimal(typed) == deal.received_amount  # 60000 and 60000.00 are one amount
        except InvalidOperation:
            return False  # not a number: let the schema say so next to the field
    return typed == stored(deal, name)


def changes(form: dict, deal: Transaction) -> dict[str, object]:
    """The edit form's fields that differ from the stored deal: a blank date or amount clears it (the
    ledger's rules then refuse what may not be cleared, e.g. money already received)."""
    found: dict[str, object] = {}
    for name in EDITABLE:
        if name not in form:
            continue
        typed = str(form[name]).replace("\r\n", "\n").strip()
        if not _same(name, typed, deal):
            found[name] = typed or (None if name in NULLABLE else "")
    return found


def audit_rows(entries: list, t, lang: str) -> list[tuple[object, str, str, list[tuple[str, str, str]]]]:  # noqa: ANN001
    """(when, who, what, [(field label, before, after)]) for each audit entry, newest first."""
    from api.web.i18n import enum_text

    def shown(name: str, value: object) -> str:
        if value in (None, ""):
            return "—"
        if name == "status":
            return enum_text(str(value), lang)
        if name == "filing_status":
            return t(f"deal.filing_{value}")
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    rows = []
    for entry in reversed(entries):
        before, after = entry.before or {}, entry.after or {}
        changed = [(t(FIELD_KEYS.get(k, k)), shown(k, before.get(k)), shown(k, after.get(k)))
                   for k in after if k in FIELD_KEYS and before and before.get(k) != after.get(k)]
        role, _, key = entry.actor.partition("#")  # "operator#3": the role in the reader's language
        who = f"{t('role.' + role)}#{key}" if role in {r.value for r in Role} else entry.actor
        rows.append((entry.at, who, t(f"deal.audit_{entry.action}"), changed))
    return rows
