"""The rules every recorded deal obeys, whichever way it arrives (API, web form, import).

A deal is refused, naming the field and the rule, when:
- it is signed in the future, or registered (登记/备案) in the future or before it was signed;
- it is signed before a patent's application date (nothing to transfer or license yet);
- more was received than contracted, without a note saying why (`excess_note`);
- a licence type is given for anything but a licence, or both parties are one organisation;
- an exclusive or sole licence is taken on a patent under an open-licence offer (data/licensing.py);
- the transferor, licensor, contributor or pledgor does not hold every patent on the signing date
  (the ownership ledger, data/ledger.py) — a conflict with stored records (409), naming the holder.
A transfer or equity contribution that passes moves the patents to the buyer in the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import ledger
from data.enums import DealStatus, LicenseType, OwnershipEventKind, TransactionKind
from data.models import Organization, OwnershipEvent, Patent, Transaction


@dataclass(frozen=True)
class DealProblem:
    field: str  # the request's field name (from_org_id, signed_on, …)
    message: str  # Chinese, naming the rule
    conflict: bool = False  # True: conflicts with stored records (409); False: bad input (422)


class DealRefused(ValueError):
    def __init__(self, problems: Sequence[DealProblem]):
        self.problems = list(problems)
        super().__init__("；".join(f"{p.field}：{p.message}" for p in self.problems))

    @property
    def conflict(self) -> bool:
        return any(p.conflict for p in self.problems)


@dataclass(frozen=True)
class DealTerms:
    """What the rules read of a deal, before or after it is stored."""

    kind: TransactionKind
    patents: Sequence[Patent]
    from_org: Organization
    to_org: Organization
    signed_on: dt.date
    recorded_on: dt.date | None = None
    license_type: LicenseType | None = None
    contract_amount: Decimal | None = None
    received_amount: Decimal | None = None
    excess_note: str = ""
    ends_on: dt.date | None = None

    @classmethod
    def of(cls, deal: Transaction) -> DealTerms:
        return cls(deal.kind, list(deal.patents), deal.from_org, deal.to_org, deal.signed_on, deal.recorded_on,
                   deal.license_type, deal.contract_amount, deal.received_amount, deal.excess_note or "",
                   deal.ends_on)


def input_problems(terms: DealTerms, today: dt.date) -> list[DealProblem]:
    """The rules that read only the deal itself and its patents' dates (422)."""
    found = []
    if terms.signed_on > today:
        found.append(DealProblem("signed_on", f"签订日期 {terms.signed_on} 晚于今天（{today}），不得登记未来的交易"))
    if terms.recorded_on is not None and terms.recorded_on > today:
        found.append(DealProblem("recorded_on", f"登记/备案日期 {terms.recorded_on} 晚于今天（{today}）"))
    if terms.recorded_on is not None and terms.recorded_on < terms.signed_on:
        found.append(DealProblem("recorded_on", f"登记/备案日期 {terms.recorded_on} 早于签订日期 {terms.signed_on}"))
    for patent in terms.patents:
        if terms.signed_on < patent.application_date:
            found.append(DealProblem("signed_on", f"签订日期 {terms.signed_on} 早于专利 {patent.application_number} "
                                                  f"的申请日 {patent.application_date}"))
    if excess_without_note(terms.contract_amount, terms.received_amount, terms.excess_note):
        found.append(DealProblem("received_amount", f"到账金额 {terms.received_amount} 元超过合同金额 "
                                 f"{terms.contract_amount} 元；如确有超额，请在 excess_note（超额说明）中写明原因"))
    if terms.license_type is not None and terms.kind is not TransactionKind.LICENSE:
        found.append(DealProblem("license_type", "只有许可交易才有许可类型"))
    if terms.from_org.id is not None and terms.from_org.id == terms.to_org.id:
        found.append(DealProblem("to_org_id", "交易双方不能是同一单位"))
    return found


def excess_without_note(contract: Decimal | None, received: Decimal | None, note: str | None) -> bool:
    return (contract is not None and received is not None and received > contract
            and not (note or "").strip())


def conflict_problems(session: Session, terms: DealTerms) -> list[DealProblem]:
    """The rules that read stored records: open-licence offers and the ownership ledger (409)."""
    return licence_problems(terms) + holder_problems(session, terms)


def licence_problems(terms: DealTerms) -> list[DealProblem]:
    """No exclusive or sole licence on any day of an open-licence offer (Patent Law Art. 51 ¶3; 409)."""
    from data.licensing import exclusive_licence_refusal  # licensing reads deals' kinds; imported here, not at load

    if terms.kind is not TransactionKind.LICENSE:
        return []
    refusal = exclusive_licence_refusal(terms.patents, terms.license_type, terms.signed_on, terms.ends_on)
    return [DealProblem("license_type", refusal, conflict=True)] if refusal else []


def holder_problems(session: Session, terms: DealTerms) -> list[DealProblem]:
    """The ownership ledger's rules: the seller, licensor or pledgor holds each patent when signing, and a
    transfer or equity deal also when it takes effect, with nothing later recorded (409)."""
    found = []
    moves = terms.kind in ledger.MOVES_RIGHT
    effective = terms.recorded_on or terms.signed_on
    for patent in terms.patents:
        if patent.id is None:
            continue
        try:
            if moves:
                ledger.check_move(session, patent, terms.from_org, terms.signed_on, effective)
            else:
                ledger.check_party(session, patent, terms.from_org, terms.signed_on)
        except ledger.NotHolder as exc:
            found.append(DealProblem("from_org_id", str(exc), conflict=True))
        except ledger.OutOfOrder as exc:
            found.append(DealProblem("recorded_on" if terms.recorded_on else "signed_on", str(exc), conflict=True))
    return found


def check(session: Session, terms: DealTerms, today: dt.date) -> None:
    """Raise DealRefused with every problem; input problems first, as they make the rest moot."""
    problems = input_problems(terms, today)
    if not problems:
        problems = conflict_problems(session, terms)
    if problems:
        raise DealRefused(problems)


def record(session: Session, deal: Transaction, today: dt.date, actor: str = "") -> Transaction:
    """Check a new deal, store it and move its patents in the ledger (a transfer or equity deal)."""
    check(session, DealTerms.of(deal), today)
    session.add(deal)
    session.flush()
    after_move(session, deal, actor)
    return deal


def after_move(session: Session, deal: Transaction, actor: str) -> None:
    """Enter a stored deal in the ledger; a transfer or equity deal also ends the seller's open licensing
    (its active offers are withdrawn as of the move; licences granted under them stay, Patent Law Art. 50)."""
    from data.licensing import end_offers

    ledger.apply_deal(session, deal, actor)
    if deal.kind in ledger.MOVES_RIGHT:
        for patent in deal.patents:
            end_offers(patent, deal.recorded_on or deal.signed_on)


def update(session: Session, deal: Transaction, changes: dict, today: dt.date, actor: str = "") -> None:
    """Apply a correction to a stored deal under the same rules; the ledger follows a moved 登记 date,
    and cancelling a transfer or equity deal gives the patents back to the seller (a correction event)."""
    from data.licensing import LicenceRefused, record_payment, refresh_fee_reduction

    changes = dict(changes)
    reason = (changes.pop("cancel_reason", None) or "").strip()
    cancelling = changes.get("status") is DealStatus.CANCELLED and deal.status is not DealStatus.CANCELLED
    if cancelling and not reason:
        raise DealRefused([DealProblem("cancel_reason", "取消交易须写明取消原因；原因记入交易备注和审计日志")])
    if reason and not cancelling:
        raise DealRefused([DealProblem("cancel_reason", "只有取消交易时才填写取消原因")])
    if "status" in changes and changes["status"] is not DealStatus.CANCELLED and changes["status"] != deal.status:
        raise DealRefused([DealProblem("status", "只能把交易标记为已取消（cancelled）；生效由付款决定")])
    if "received_amount" in changes:  # money received so far: it may only grow
        new, old = changes["received_amount"], deal.received_amount or Decimal(0)
        if new is None or new < old:
            raise DealRefused([DealProblem("received_amount", f"到账金额只能增加（现为 {old} 元）")])
    frozen = [name for name in changes if name not in ("note", "status") and changes[name] != getattr(deal, name)]
    if deal.status is DealStatus.CANCELLED and frozen:
        raise DealRefused([DealProblem(frozen[0], f"交易 #{deal.id} 已取消，只能修改备注", conflict=True)])
    for name, value in changes.items():
        if name != "status":
            setattr(deal, name, value)
    problems = input_problems(DealTerms.of(deal), today)
    if problems:
        raise DealRefused(problems)
    if "recorded_on" in changes:
        _move_events(session, deal)
    if "received_amount" in changes and deal.status is DealStatus.AWAITING_PAYMENT:
        try:  # an open licence takes effect once its published fee is paid (Patent Law Art. 51 ¶1)
            record_payment(deal, deal.received_amount or Decimal(0), today)
        except LicenceRefused as exc:
            field, _, message = str(exc).partition("：")
            raise DealRefused([DealProblem(field, message)]) from None
    if cancelling:
        _give_back(session, deal, today, actor)
        deal.status = DealStatus.CANCELLED
        deal.note = with_cancel_reason(deal.note, reason)
        for patent in deal.patents:  # a cancelled open licence no longer earns the annual-fee reduction
            refresh_fee_reduction(patent, today)


def _move_events(session: Session, deal: Transaction) -> None:
    """A new 登记 date moves the deal's ledger events, but never past another event of the patent: the
    holders recorded after it were derived from it."""
    effective = deal.recorded_on or deal.signed_on
    for event in session.scalars(select(OwnershipEvent).where(OwnershipEvent.transaction_id == deal.id)):
        found = ledger.events(session, event.patent)
        at = found.index(event)
        before = found[at - 1].effective_on if at > 0 else dt.date.min
        after = found[at + 1].effective_on if at + 1 < len(found) else dt.date.max
        if not before <= effective <= after:
            raise DealRefused([DealProblem("recorded_on", f"专利 {event.patent.application_number} 的登记簿在 "
                                           f"{before if effective < before else after} 另有事件，登记日期 {effective} "
                                           "不能越过它；请先核对登记簿", conflict=True)])
        event.effective_on = effective
        session.flush()
        ledger.resync(session, event.patent)


def _give_back(session: Session, deal: Transaction, today: dt.date, actor: str) -> None:
    if ledger.MOVES_RIGHT.get(deal.kind) is None:
        return
    onward = [d for p in deal.patents for d in p.transactions
              if d.id != deal.id and d.from_org_id == deal.to_org_id and d.status is not DealStatus.CANCELLED]
    if onward:  # the buyer has since sold, licensed or pledged it: undoing the transfer would strand those deals
        shown = "、".join(f"#{d.id}" for d in dict.fromkeys(onward))
        raise DealRefused([DealProblem("status", f"受让方 {deal.to_org.name} 已就这些专利另行交易（{shown}）；"
                                                 "请先取消那些交易", conflict=True)])
    for patent in deal.patents:
        current = ledger.holders_on(session, patent, today)
        if deal.to_org.id not in {o.id for o in current}:
            why = (f"专利 {patent.application_number} 已不在受让方 {deal.to_org.name} 名下，不能通过取消本交易退回；"
                   "请由运营人员做著录项目变更")
            raise DealRefused([DealProblem("status", why, conflict=True)])
        back = [deal.from_org if o.id == deal.to_org.id else o for o in current]
        # Void from the transfer's own date when nothing was recorded after it; else from today on.
        found = ledger.events(session, patent)
        latest = found[-1] if found else None
        since = latest.effective_on if latest is not None and latest.transaction_id == deal.id else today
        ledger.record(session, patent, OwnershipEventKind.CORRECTION, since, back, evidence=f"交易 #{deal.id} 取消",
                      reason=f"交易 #{deal.id} 已取消，专利权回到 {deal.from_org.name}", actor=actor)


CANCEL_NOTE = "取消原因："


def with_cancel_reason(note: str | None, reason: str) -> str:
    """The deal's note with the reason for cancelling added: it stays with the deal and in the audit log."""
    line = CANCEL_NOTE + reason.strip()
    return f"{note.rstrip()}\n{line}" if (note or "").strip() else line
