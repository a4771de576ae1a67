"""The ownership ledger: who held a patent on any date, and the only way its holders change.

Each `OwnershipEvent` says "from this date on, the patent is held by exactly these organisations".
Events come from the application or grant record (an import creating the patent), a transfer or
equity deal (effective on its 登记/备案 date, else its signing date), an operator's correction
(著录项目变更, with a reason) or an export's legal-event column. `patent_holders` is the latest
event's holders, written here and nowhere else, so permissions, sleeping detection, offers and
challenge applications all read the current holder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import HolderRole, OwnershipEventKind, TransactionKind
from data.models import Organization, OwnershipEvent, OwnershipEventHolder, Patent, PatentHolder, Transaction

# The deals that move the right itself; a licence or pledge leaves the holder as it was.
MOVES_RIGHT = {TransactionKind.TRANSFER: OwnershipEventKind.TRANSFER, TransactionKind.EQUITY: OwnershipEventKind.EQUITY}


class NotHolder(ValueError):
    """A party acted for a patent it did not hold on that date (409)."""

    def __init__(self, patent: Patent, organization: Organization, on: dt.date, holders: Sequence[Organization]):
        self.patent, self.organization, self.on, self.holders = patent, organization, on, list(holders)
        super().__init__(not_holder_message(organization.name, on, patent.application_number,
                                            [h.name for h in holders]))


def not_holder_message(party: str, on: dt.date, number: str, holders: Sequence[str]) -> str:
    shown = "、".join(holders) or "（无登记权利人）"
    return f"{party} 在 {on} 不是专利 {number} 的权利人；登记簿显示权利人为 {shown}"


def out_of_order_message(number: str, latest: dt.date, effective: dt.date, what: str, kind: str = "") -> str:
    """A change dated `effective` before the patent's latest event on `latest` (its kind, when known)."""
    return (f"专利 {number} 的登记簿在 {latest} 已有一项{kind or ''}事件，不能登记更早生效（{effective}）的{what}；"
            "请先核对登记簿")


@dataclass(frozen=True)
class LedgerEntry:
    effective_on: dt.date
    kind: OwnershipEventKind
    holders: tuple[str, ...]
    evidence: str
    reason: str
    actor: str
    transaction_id: int | None


def events(session: Session, patent: Patent) -> list[OwnershipEvent]:
    """A patent's ledger events in effect order."""
    query = (select(OwnershipEvent).where(OwnershipEvent.patent_id == patent.id)
             .order_by(OwnershipEvent.effective_on, OwnershipEvent.id))
    return list(session.scalars(query)) if patent.id is not None else []


def holders_on(session: Session, patent: Patent, on: dt.date) -> list[Organization]:
    """The holders the ledger shows on `on` (the last event effective by then); [] before the first."""
    found = None
    for event in events(session, patent):
        if event.effective_on > on:
            break
        found = event
    return [h.organization for h in found.holders] if found else []


def history(session: Session, patent: Patent) -> list[LedgerEntry]:
    return [LedgerEntry(e.effective_on, e.kind, tuple(h.organization.name for h in e.holders), e.evidence, e.reason,
                        e.actor, e.transaction_id) for e in events(session, patent)]


def record(session: Session, patent: Patent, kind: OwnershipEventKind, effective_on: dt.date,
           holders: Sequence[Organization], *, evidence: str = "", reason: str = "", actor: str = "",
           transaction: Transaction | None = None, first: bool = False) -> OwnershipEvent:
    """Add an event and bring `patent_holders` to the latest event's holders.

    `first`: the patent is new and this is its first event (an import's fast path: no lookups)."""
    if kind is OwnershipEventKind.CORRECTION and not reason.strip():
        raise ValueError("a correction of the holders (著录项目变更) needs a reason")
    orgs = list(dict.fromkeys(holders))
    event = OwnershipEvent(patent=patent, kind=kind, effective_on=effective_on, evidence=evidence, reason=reason,
                           actor=actor, transaction_id=transaction.id if transaction is not None else None,
                           holders=[OwnershipEventHolder(organization=o, position=i) for i, o in enumerate(orgs)])
    session.add(event)
    if first:
        patent.holders = [PatentHolder(organization=o, role=HolderRole.PATENTEE, position=i)
                          for i, o in enumerate(orgs)]
        return event
    session.flush()
    resync(session, patent)
    return event


def resync(session: Session, patent: Patent) -> None:
    """Bring `patent_holders` to the latest event's holders (after an event's date moved)."""
    found = events(session, patent)
    latest = [h.organization for h in found[-1].holders] if found else []
    by_org = {h.organization_id: h for h in patent.holders}
    wanted = []
    for position, org in enumerate(latest):
        row = by_org.get(org.id) or PatentHolder(organization=org, role=HolderRole.PATENTEE)
        row.position = position
        wanted.append(row)
    patent.holders = wanted
    session.flush()


def check_party(session: Session, patent: Patent, party: Organization, on: dt.date) -> None:
    """Raise NotHolder unless `party` holds `patent` on `on` (a seller, licensor, contributor or pledgor)."""
    current = holders_on(session, patent, on)
    if party.id not in {h.id for h in current}:
        raise NotHolder(patent, party, on, current)


class OutOfOrder(ValueError):
    """A change dated before the patent's latest ledger event (409): each event is a whole holder list,
    so an earlier one slipped in beneath it would be silently overridden, or would sell a patent twice."""


def order_refusal(patent: Patent, found: Sequence[OwnershipEvent], effective: dt.date, what: str) -> str | None:
    """Why `what`, effective on `effective`, cannot enter a ledger whose events are `found`; None if it can."""
    if found and effective < found[-1].effective_on:
        last = found[-1]
        return out_of_order_message(patent.application_number, last.effective_on, effective, what, _KIND_ZH[last.kind])
    return None


_KIND_ZH = {OwnershipEventKind.RECORD: "著录登记", OwnershipEventKind.TRANSFER: "转让",
            OwnershipEventKind.EQUITY: "作价入股", OwnershipEventKind.CORRECTION: "著录项目变更",
            OwnershipEventKind.LEGAL_EVENT: "法律事件"}


def check_move(session: Session, patent: Patent, seller: Organization, signed_on: dt.date,
               effective: dt.date) -> None:
    """A transfer or equity deal: the seller holds the patent when signing and when the move takes effect,
    and nothing later is recorded for it (OutOfOrder, NotHolder)."""
    for on in dict.fromkeys((signed_on, effective)):
        check_party(session, patent, seller, on)
    refusal = order_refusal(patent, events(session, patent), effective, "转让或作价入股")
    if refusal:
        raise OutOfOrder(refusal)


def apply_deal(session: Session, deal: Transaction, actor: str = "") -> list[OwnershipEvent]:
    """A transfer or equity deal moves each patent from the seller to the buyer on its effective date.

    The seller must hold every patent on the signing date (NotHolder otherwise), and for a move also on
    its effective date with no later event recorded (OutOfOrder); other co-holders keep their share.
    Licences and pledges change no holder."""
    kind = MOVES_RIGHT.get(deal.kind)
    effective = deal.recorded_on or deal.signed_on
    for patent in deal.patents:
        if kind is None:
            check_party(session, patent, deal.from_org, deal.signed_on)
        else:
            check_move(session, patent, deal.from_org, deal.signed_on, effective)
    if kind is None:
        return []
    events = []
    for patent in deal.patents:
        before = holders_on(session, patent, effective)
        after = [deal.to_org if org.id == deal.from_org.id else org for org in before]
        evidence = f"合同 {deal.external_id}" if deal.external_id else f"交易 #{deal.id}"
        events.append(record(session, patent, kind, effective, after, evidence=evidence, actor=actor,
                             transaction=deal))
    return events


def correct(session: Session, patent: Patent, holders: Sequence[Organization], effective_on: dt.date, reason: str,
            today: dt.date, *, evidence: str = "", actor: str = "") -> OwnershipEvent:
    """An operator's correction of the record (著录项目变更): the holders from `effective_on` on, with a reason.

    Refused (ValueError, naming the field) without a reason or holders, in the future, or before filing."""
    if not reason.strip():
        raise LedgerInputError("reason", "更正权利人须写明理由（著录项目变更的依据）")
    if not holders:
        raise LedgerInputError("holders", "至少需要一个权利人")
    if effective_on > today:
        raise LedgerInputError("effective_on", f"生效日期 {effective_on} 晚于今天（{today}）")
    if effective_on < patent.application_date:
        raise LedgerInputError("effective_on", f"生效日期 {effective_on} 早于申请日 {patent.application_date}")
    refusal = order_refusal(patent, events(session, patent), effective_on, "著录项目变更")
    if refusal:  # a correction from an earlier date would be overridden by the later events: correct from now
        raise LedgerInputError("effective_on", refusal)
    return record(session, patent, OwnershipEventKind.CORRECTION, effective_on, holders, evidence=evidence,
                  reason=reason.strip(), actor=actor)


class LedgerInputError(ValueError):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}：{message}")
