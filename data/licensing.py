"""Open licensing (开放许可): who may declare an offer, and the licence an acceptance creates.

Patent Law (2020) Art. 50–52 and the Implementing Regulations (2023) Art. 85–88. A declaration is
refused, naming the rule, when:
- the patent is not granted and valid (Art. 50: the patentee of a valid patent declares);
- a utility model or design has no patent evaluation report (专利权评价报告; Art. 50 ¶1);
- an exclusive or sole licence is in force (Regulations Art. 86 (1));
- the right is suspended (中止; Regulations Art. 86 (2));
- annual fees are unpaid (Regulations Art. 86 (3));
- the patent is pledged and the pledgee has not consented (Regulations Art. 86 (4));
- the licence term would run past the patent's expiry (Art. 42).
An open licence is always non-exclusive (Art. 50); accepting one creates a licence on exactly the
published terms, which is then filed (备案, Regulations Art. 88).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data.enums import FeeType, LegalStatus, LicenseType, OfferStatus, OrgKind, PatentType, TransactionKind
from data.models import LicenseOffer, Organization, Patent, Transaction
from data.patent_terms import expiry_date

FILING_PENDING = "pending"


@dataclass(frozen=True)
class Refusal:
    rule: str
    reason: str


def _in_force(deal: Transaction, today: dt.date) -> bool:
    return deal.signed_on <= today and (deal.ends_on is None or deal.ends_on >= today)


def offer_refusals(patent: Patent, term_end: dt.date, today: dt.date, pledgee_consent: bool = False) -> list[Refusal]:
    """Every reason the patentee may not declare this open licence now (empty: eligible)."""
    refusals = []
    if patent.legal_status is not LegalStatus.VALID or patent.grant_date is None:
        refusals.append(Refusal("专利法第五十条", "专利权须已授权且有效 (the patent must be granted and valid)"))
    if patent.patent_type is not PatentType.INVENTION and not patent.has_evaluation_report:
        refusals.append(Refusal("专利法第五十条第一款", "实用新型、外观设计须提供专利权评价报告 "
                                                      "(a utility model or design needs a patent evaluation report)"))
    deals = [d for d in patent.transactions if _in_force(d, today)]
    if any(d.kind is TransactionKind.LICENSE and d.license_type in (LicenseType.EXCLUSIVE, LicenseType.SOLE)
           for d in deals):
        refusals.append(Refusal("专利法实施细则第八十六条第（一）项",
                                "独占或者排他许可有效期内不得开放许可 (an exclusive or sole licence is in force)"))
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
        refusals.append(Refusal("专利法第四十二条",
                                f"许可期限不得超过专利权期限（至{expiry}） (the term runs past the patent's expiry)"))
    return refusals


def accept_offer(offer: LicenseOffer, licensee: Organization, today: dt.date) -> Transaction:
    """The licence an accepted offer creates: non-exclusive, on exactly the published terms, filing pending."""
    if offer.status is not OfferStatus.ACTIVE:
        raise ValueError(f"offer {offer.id} was withdrawn on {offer.withdrawn_on}")
    if offer.term_end < today:
        raise ValueError(f"offer {offer.id}'s licence term ended on {offer.term_end}")
    if not offer.patent.holders:
        raise ValueError(f"patent {offer.patent.application_number} has no recorded holder to license from")
    holder = offer.patent.holders[0].organization
    terms = {FeeType.LUMP_SUM: f"一次性许可费{offer.lump_sum}元", FeeType.ROYALTY: f"销售提成{offer.royalty_rate}",
             FeeType.PER_UNIT: f"按件{offer.per_unit_fee}元", FeeType.FREE: "免费"}[offer.fee_type]
    if offer.pay_later_months:
        terms += f"，先使用后付费{offer.pay_later_months}个月"
    return Transaction(
        kind=TransactionKind.LICENSE, license_type=LicenseType.OPEN, from_org=holder, to_org=licensee,
        contract_amount=offer.lump_sum if offer.fee_type is FeeType.LUMP_SUM else None, received_amount=None,
        signed_on=today, ends_on=offer.term_end, licensee_is_sme=licensee.kind is OrgKind.SME, offer_id=offer.id,
        filing_status=FILING_PENDING, patents=[offer.patent],
        note=f"开放许可：{terms}；支付方式：{offer.payment_method or '按声明'}；许可期至{offer.term_end}")
