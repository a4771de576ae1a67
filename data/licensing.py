"""Open licensing (开放许可): who may declare an offer, the licence an acceptance creates, when it takes effect.

Patent Law (2020 amendment) Art. 50–52 and its Implementing Regulations (2023 revision) Art. 85–88,
checked against their text; what each says, and what this module does for it:

  专利法第五十条第一款   written declaration with the fee's payment method and standard; a utility model
                        or design needs a 专利权评价报告 → `offer_refusals` (granted and valid; report)
  专利法第五十条第二款   a withdrawal does not affect licences already granted → `withdraw_offer` leaves
                        them in force, and the fee reduction with them
  专利法第五十一条第一款 the licensee notifies in writing and, after paying the fee per the announced
                        method and standard, obtains the licence → `accept_offer` (awaiting_payment;
                        free or pay-later 先使用后付费: in force at once) and `record_payment`
  专利法第五十一条第二款 annual fees are reduced during open licensing (开放许可实施期间) →
                        `refresh_fee_reduction` keeps `Patent.annual_fee_reduction_since`
  专利法第五十一条第三款 ordinary licences only; no exclusive or sole (独占或者排他) licence →
                        `exclusive_licence_refusal`, asked by every path that records a deal
  专利法第五十二条       disputes: negotiation, CNIPA mediation, the courts → nothing to enforce
  专利法第四十二条第一款 the patent's term → `offer_refusals`: the licence term may not outlast it
  实施细则第八十五条第一款 declared after the grant is announced, stating patent number, patentee, fee
                        method and standard, licence term → `offer_refusals` (granted); `OfferIn`
  实施细则第八十六条     no open licensing while (一) an exclusive or sole licence is in force,
                        (二) the right is suspended (中止), (三) annual fees are unpaid, (四) it is pledged
                        without the pledgee's consent, (五) other obstacles → `offer_refusals`, one
                        refusal per item (一)–(四); only deals in force count (not awaiting payment,
                        not cancelled)
  实施细则第八十七条     a licence reached through open licensing is filed (备案) by either party →
                        the licence is created with `filing_status` "pending"
  实施细则第八十八条     no false materials to declare or to obtain the fee reduction → the reduction
                        is derived from licences in force, never entered by hand

When a licence is "paid" (Art. 51 ¶1): a lump sum when the received total reaches the published sum;
a royalty or per-unit fee when the licensor confirms the first payment (more than 0), since no amount
can be known in advance and counting a licence before any money moved would inflate the targets.

The annual-fee reduction (Art. 51 ¶2; 财政部 国家发展改革委《关于调整优化专利收费政策的通知》(2024):
"专利开放许可实施期间的专利年费减免15%", the rate is `PATENT_MATCH_OPEN_LICENCE_FEE_REDUCTION`) runs while
open licensing is being *implemented* (实施): from the day the first licence under an offer takes effect,
until no licence obtained through open licensing is in force. A declaration nobody has taken up is not
implementation. Neither text found says whether the period starts on the licence or on its filing (备案);
commentators on the notice call it ambiguous, so the effective date is what is recorded here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.enums import (
    DealStatus,
    FeeType,
    LegalStatus,
    LicenseType,
    OfferStatus,
    OrgKind,
    PatentType,
    TransactionKind,
    label,
)
from data.models import LicenseOffer, Organization, Patent, Transaction
from data.patent_terms import expiry_date

FILING_PENDING = "pending"
EXCLUSIVE_KINDS = (LicenseType.EXCLUSIVE, LicenseType.SOLE)


@dataclass(frozen=True)
class Refusal:
    rule: str
    reason: str


class LicenceRefused(ValueError):
    """An acceptance or payment the rules refuse; the message is Chinese and names the field and the rule."""

    def __init__(self, message: str, earlier: Transaction | None = None) -> None:
        super().__init__(message)
        self.earlier = earlier  # the licence a second acceptance collides with


def counts_as_in_force(deal: Transaction, on: dt.date) -> bool:
    """A deal binds on `on`: started, not ended, and neither awaiting payment nor cancelled.
    (A deal not yet flushed has no status: the column's default, in force.)"""
    if deal.status in (DealStatus.AWAITING_PAYMENT, DealStatus.CANCELLED):
        return False
    return (deal.effective_on or deal.signed_on) <= on and (deal.ends_on is None or deal.ends_on >= on)


def offer_refusals(patent: Patent, term_end: dt.date, today: dt.date, pledgee_consent: bool = False) -> list[Refusal]:
    """Every reason the patentee may not declare this open licence now (empty: eligible)."""
    refusals = []
    if patent.legal_status is not LegalStatus.VALID or patent.grant_date is None:
        refusals.append(Refusal("专利法第五十条第一款、专利法实施细则第八十五条第一款",
                                "专利权须已授权公告且有效 (the patent must be granted and valid)"))
    if patent.patent_type is not PatentType.INVENTION and not patent.has_evaluation_report:
        refusals.append(Refusal("专利法第五十条第一款", "实用新型、外观设计须提供专利权评价报告 "
                                                      "(a utility model or design needs a patent evaluation report)"))
    deals = [d for d in patent.transactions if counts_as_in_force(d, today)]
    binding = [d for d in patent.transactions if d.status not in (DealStatus.AWAITING_PAYMENT, DealStatus.CANCELLED)]
    # an exclusive or sole licence on any day of the offered term, not only today's (Art. 51 ¶3 both ways)
    if any(d.kind is TransactionKind.LICENSE and d.license_type in EXCLUSIVE_KINDS
           and _overlap((d.effective_on or d.signed_on, d.ends_on), (today, term_end)) for d in binding):
        refusals.append(Refusal("专利法实施细则第八十六条第（一）项",
                                "独占或者排他许可有效期限内不得开放许可 (an exclusive or sole licence is in force)"))
    if patent.right_suspended:
        refusals.append(Refusal("专利法实施细则第八十六条第（二）项", "专利权处于中止状态 (the right is suspended)"))
    if patent.annual_fee_paid_until is not None and patent.annual_fee_paid_until < today:
        refusals.append(Refusal("专利法实施细则第八十六条第（三）项",
                                f"年费仅缴至{patent.annual_fee_paid_until} (annual fees are unpaid)"))
    if any(d.kind is TransactionKind.PLEDGE for d in deals) and not pledgee_consent:
        refusals.append(Refusal("专利法实施细则第八十六条第（四）项",
                                "专利权已质押，未经质权人同意 (pledged without the pledgee's consent)"))
    expiry = expiry_date(patent.patent_type, patent.application_date)
    if term_end > expiry:
        refusals.append(Refusal("专利法第四十二条第一款",
                                f"许可期限不得超过专利权期限（至{expiry}） (the term runs past the patent's expiry)"))
    return refusals


def offer_open_on(offer: LicenseOffer, on: dt.date) -> bool:
    """The patentee was practising open licensing under this offer on `on`: declared, not yet withdrawn,
    and its licence term not over."""
    withdrawn = offer.status is OfferStatus.WITHDRAWN and (offer.withdrawn_on is None or offer.withdrawn_on <= on)
    return offer.declared_on <= on <= offer.term_end and not withdrawn


def offer_period(offer: LicenseOffer) -> tuple[dt.date, dt.date]:
    """The days the patentee practised (or practises) open licensing under this offer."""
    end = offer.term_end
    if offer.status is OfferStatus.WITHDRAWN and offer.withdrawn_on is not None:
        end = min(end, offer.withdrawn_on - dt.timedelta(days=1))
    return offer.declared_on, end


def _overlap(a: tuple[dt.date, dt.date | None], b: tuple[dt.date, dt.date | None]) -> bool:
    return a[0] <= (b[1] or dt.date.max) and b[0] <= (a[1] or dt.date.max)


def exclusive_licence_refusal(patents: Iterable[Patent], license_type: LicenseType | None, on: dt.date,
                              ends_on: dt.date | None = None) -> str | None:
    """Why an exclusive or sole licence running from `on` to `ends_on` (None: no end) may not be recorded
    (Patent Law Art. 51 ¶3), or None: it may not run on any day of an open-licence offer, whether signed
    before or during it. Every path that records a deal (API, web, import) asks this before storing it."""
    if license_type not in EXCLUSIVE_KINDS:
        return None
    for patent in patents:
        for offer in patent.offers:
            if _overlap((on, ends_on), offer_period(offer)):
                return (f"专利 {patent.application_number} 自 {offer.declared_on} 起实行开放许可（声明 #{offer.id}），"
                        "开放许可期间专利权人不得就该专利给予独占或者排他许可（专利法第五十一条第三款）；"
                        "可给予普通许可，或先撤回开放许可声明")
    return None


def earlier_licence(session: Session, offer: LicenseOffer, licensee: Organization) -> Transaction | None:
    """The licence this licensee already holds under this offer (cancelled ones do not count)."""
    return session.scalar(select(Transaction).where(
        Transaction.offer_id == offer.id, Transaction.to_org_id == licensee.id,
        Transaction.status != DealStatus.CANCELLED).order_by(Transaction.id).limit(1))


def duplicate_message(offer: LicenseOffer, licensee: Organization, earlier: Transaction) -> str:
    return (f"offer_id：{licensee.name} 已于 {earlier.signed_on} 接受开放许可声明 #{offer.id}（许可 #{earlier.id}，"
            f"{label(earlier.status or DealStatus.IN_FORCE)}）；同一被许可人对同一声明只能取得一项许可")


def takes_effect_at_once(offer: LicenseOffer) -> bool:
    """Nothing is due on notification: a free offer, or one that lets the licensee use first and pay later."""
    return offer.fee_type is FeeType.FREE or bool(offer.pay_later_months)


def accept_offer(session: Session, offer: LicenseOffer, licensee: Organization, today: dt.date) -> Transaction:
    """The licence an accepted offer creates: non-exclusive, on exactly the published terms, filing pending;
    in force at once when nothing is due yet, else awaiting the published fee (Patent Law Art. 51 ¶1).
    The caller adds it to the session; the database's unique index catches a concurrent second acceptance."""
    if offer.status is not OfferStatus.ACTIVE:
        raise LicenceRefused(f"offer_id：开放许可声明 #{offer.id} 已于 {offer.withdrawn_on} 撤回，不能再接受"
                             "（撤回前已取得的许可不受影响，专利法第五十条第二款）")
    if offer.term_end < today:
        raise LicenceRefused(f"offer_id：开放许可声明 #{offer.id} 的许可期限已于 {offer.term_end} 届满")
    if not offer.patent.holders:
        raise LicenceRefused(f"offer_id：专利 {offer.patent.application_number} 没有登记的专利权人，无法许可")
    earlier = earlier_licence(session, offer, licensee)
    if earlier is not None:
        raise LicenceRefused(duplicate_message(offer, licensee, earlier), earlier)
    holder = offer.patent.holders[0].organization
    royalty = (offer.royalty_rate or 0) * 100  # stored as a fraction of sales; people read percentages
    terms = {FeeType.LUMP_SUM: f"一次性许可费{offer.lump_sum}元", FeeType.ROYALTY: f"销售提成{royalty:.2f}%",
             FeeType.PER_UNIT: f"按件{offer.per_unit_fee}元", FeeType.FREE: "免费"}[offer.fee_type]
    if offer.pay_later_months:
        terms += f"，先使用后付费{offer.pay_later_months}个月"
    now = takes_effect_at_once(offer)
    deal = Transaction(
        kind=TransactionKind.LICENSE, license_type=LicenseType.OPEN, from_org=holder, to_org=licensee,
        contract_amount=offer.lump_sum if offer.fee_type is FeeType.LUMP_SUM else None, received_amount=None,
        signed_on=today, ends_on=offer.term_end, licensee_is_sme=licensee.kind is OrgKind.SME, offer_id=offer.id,
        filing_status=FILING_PENDING, patents=[offer.patent],
        status=DealStatus.IN_FORCE if now else DealStatus.AWAITING_PAYMENT, effective_on=today if now else None,
        note=f"开放许可：{terms}；支付方式：{offer.payment_method or '按声明'}；许可期至{offer.term_end}")
    if now:
        refresh_fee_reduction(offer.patent, today, also=[deal])
    return deal


def fee_paid(deal: Transaction, received_total: Decimal) -> bool:
    """The published fee is paid: the whole lump sum (contract_amount), or a first confirmed royalty or
    per-unit payment (no contract amount: nothing can be known in advance)."""
    if deal.contract_amount is not None:
        return received_total >= deal.contract_amount
    return received_total > 0


def record_payment(deal: Transaction, amount_received_total: Decimal, on: dt.date) -> bool:
    """The licensor confirms it has received `amount_received_total` in all, as of `on`. An open licence
    awaiting payment takes effect on `on` once the fee is paid; answers whether it took effect now."""
    if amount_received_total < 0:
        raise LicenceRefused(f"received_amount：到账金额 {amount_received_total} 元不能为负")
    if on < deal.signed_on:
        raise LicenceRefused(f"paid_on：付款日期 {on} 早于接受许可的日期 {deal.signed_on}")
    if deal.status is DealStatus.CANCELLED:
        raise LicenceRefused(f"status：许可 #{deal.id} 已取消，不能登记付款")
    deal.received_amount = amount_received_total
    if deal.status is not DealStatus.AWAITING_PAYMENT or not fee_paid(deal, amount_received_total):
        return False
    deal.status, deal.effective_on = DealStatus.IN_FORCE, on
    for patent in deal.patents:
        refresh_fee_reduction(patent, on, also=[deal])
    return True


def open_licences_in_force(patent: Patent, on: dt.date, also: Sequence[Transaction] = ()) -> list[Transaction]:
    """Licences obtained through open licensing that bind on `on`; `also`: deals not yet in
    `patent.transactions` (that collection is read-only and loaded once per session)."""
    seen = {id(d): d for d in [*patent.transactions, *also]}
    return [d for d in seen.values() if d.offer_id is not None and d.license_type is LicenseType.OPEN
            and counts_as_in_force(d, on)]


def refresh_fee_reduction(patent: Patent, on: dt.date, also: Sequence[Transaction] = ()) -> dt.date | None:
    """Record on the patent since when its annual fees are reduced (Patent Law Art. 51 ¶2), or clear it when
    no open licence is in force any more. Called when an offer is declared or withdrawn, a licence is accepted,
    paid for or cancelled."""
    live = open_licences_in_force(patent, on, also)
    if not live:
        patent.annual_fee_reduction_since = None
    elif patent.annual_fee_reduction_since is None:
        patent.annual_fee_reduction_since = min(d.effective_on or d.signed_on for d in live)
    return patent.annual_fee_reduction_since


def end_offers(patent: Patent, on: dt.date) -> list[LicenseOffer]:
    """The patent changed hands on `on`: its active offers, declared by the former holder, are withdrawn
    then, so nobody takes a licence from a patentee who never declared one. Licences already granted
    stay in force (Patent Law Art. 50 ¶2)."""
    ended = [o for o in patent.offers if o.status is OfferStatus.ACTIVE]
    for offer in ended:
        offer.status, offer.withdrawn_on = OfferStatus.WITHDRAWN, on
    return ended
