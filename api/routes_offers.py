"""Open licensing (开放许可): TTOs declare and withdraw offers, SMEs accept them (data/licensing.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from api.audit import record as record_audit
from api.audit import snapshot
from api.auth import Principal
from api.deps import PathId, invalid, own_organization, principal, require, session
from api.schemas import Error, LicenceOut, OfferIn, OfferOut, Refused
from data.enums import FeeType, OfferStatus, Role
from data.licensing import (
    LicenceRefused,
    accept_offer,
    duplicate_message,
    earlier_licence,
    offer_refusals,
    record_payment,
    refresh_fee_reduction,
)
from data.models import LicenseOffer, Patent, PatentHolder, Transaction

router = APIRouter(prefix="/offers", tags=["open licensing"])
declarers = require("offers.declare")
licensees = require("offers.accept")
FEE_FIELD = {FeeType.LUMP_SUM: "lump_sum", FeeType.ROYALTY: "royalty_rate", FeeType.PER_UNIT: "per_unit_fee"}
ERRORS = {403: {"model": Error, "description": "This key's role or organisation may not do this."},
          404: {"model": Error, "description": "No such patent or offer."}}


def today() -> dt.date:
    return dt.date.today()


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(ge=0, max_digits=16, decimal_places=2,
                            description="yuan received for this licence in all so far (到账累计金额)")
    paid_on: dt.date | None = Field(None, description="when the payment arrived; default: today")
    excess_note: str = Field("", max_length=500, description="why more than the published lump sum was received")


def _out(offer: LicenseOffer) -> OfferOut:
    own = set(OfferOut.model_fields) - {"application_number", "exclusive", "annual_fee_reduction_since"}
    return OfferOut(**{name: getattr(offer, name) for name in own}, application_number=offer.patent.application_number,
                    annual_fee_reduction_since=offer.patent.annual_fee_reduction_since)


def licence_out(deal: Transaction) -> LicenceOut:
    patent = deal.patents[0]
    return LicenceOut(transaction_id=deal.id, status=deal.status, offer_id=deal.offer_id, kind=deal.kind.value,
                      license_type=deal.license_type.value, licensor=deal.from_org.name, licensee=deal.to_org.name,
                      contract_amount=deal.contract_amount, signed_on=deal.signed_on, ends_on=deal.ends_on,
                      filing_status=deal.filing_status, terms=deal.note, effective_on=deal.effective_on,
                      received_amount=deal.received_amount,
                      annual_fee_reduction_since=patent.annual_fee_reduction_since)


def patent_for_offer(db: Session, number: str) -> Patent:
    patent = db.scalar(select(Patent).where(Patent.application_number == number).options(
        selectinload(Patent.transactions), selectinload(Patent.holders).selectinload(PatentHolder.organization)))
    if patent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no patent {number}")
    return patent


def _may_manage(who: Principal, patent: Patent) -> None:
    if who.role is Role.TTO and who.organization_id not in {h.organization_id for h in patent.holders}:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a TTO manages offers for its own organisation's patents only")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OfferOut,
             responses={**ERRORS, 409: {"model": Refused, "description": "Not eligible; each refusal names its rule."}},
             summary="Declare an open licence")
def declare_offer(body: OfferIn, who: Principal = Depends(declarers), db: Session = Depends(session)):  # noqa: ANN201
    """Declare an open-licence offer (开放许可) for a granted, valid patent; an ineligible one answers 409 naming each
    legal rule."""
    patent = patent_for_offer(db, body.application_number)
    _may_manage(who, patent)
    wanted = FEE_FIELD.get(body.fee_type)
    if wanted and getattr(body, wanted) is None:
        raise invalid(f"body.{wanted}", f"required for fee_type {body.fee_type.value}")
    start = body.term_start or today()
    if body.term_end <= start:
        raise invalid("body.term_end", "must be after term_start")
    refusals = offer_refusals(patent, body.term_end, today(), body.pledgee_consent)
    if refusals:
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content=Refused(
            detail=f"patent {patent.application_number} may not be offered for open licensing",
            refusals=[{"rule": r.rule, "reason": r.reason} for r in refusals]).model_dump())
    offer = LicenseOffer(patent=patent, fee_type=body.fee_type, lump_sum=body.lump_sum, royalty_rate=body.royalty_rate,
                         per_unit_fee=body.per_unit_fee, payment_method=body.payment_method, term_start=start,
                         term_end=body.term_end, pay_later_months=body.pay_later_months, declared_on=today(),
                         pledgee_consent=body.pledgee_consent)
    db.add(offer)
    db.flush()
    refresh_fee_reduction(patent, today())  # a declaration alone starts no reduction; a stale one is cleared
    record_audit(db, who, "create", "offer", offer.id, None, snapshot(_out(offer)))
    db.commit()
    return _out(offer)


@router.get("", response_model=list[OfferOut], summary="List open-licence offers")
def list_offers(who: Principal = Depends(principal), db: Session = Depends(session),
                application_number: str | None = Query(None), status_: OfferStatus | None = Query(None, alias="status"),
                limit: int = Query(50, ge=1, le=500)) -> list[OfferOut]:
    """Offers by id, optionally for one patent or status."""
    query = select(LicenseOffer).join(Patent).options(selectinload(LicenseOffer.patent)).order_by(LicenseOffer.id)
    if application_number:
        query = query.where(Patent.application_number == application_number)
    if status_:
        query = query.where(LicenseOffer.status == status_)
    return [_out(o) for o in db.scalars(query.limit(limit))]


def get_offer(db: Session, offer_id: int) -> LicenseOffer:
    offer = db.get(LicenseOffer, offer_id)
    if offer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no offer {offer_id}")
    return offer


@router.post("/{offer_id}/withdraw", response_model=OfferOut, responses=ERRORS, summary="Withdraw an offer")
def withdraw_offer(offer_id: PathId, who: Principal = Depends(declarers), db: Session = Depends(session)) -> OfferOut:
    """Withdraw an offer; licences already granted on it stay in force (Patent Law Art. 50 ¶2), and with them
    the patent's annual-fee reduction."""
    offer = get_offer(db, offer_id)
    _may_manage(who, offer.patent)
    if offer.status is OfferStatus.WITHDRAWN:
        raise HTTPException(status.HTTP_409_CONFLICT, f"offer {offer_id} was already withdrawn")
    before = snapshot(_out(offer))
    offer.status, offer.withdrawn_on = OfferStatus.WITHDRAWN, today()
    refresh_fee_reduction(offer.patent, today())
    record_audit(db, who, "update", "offer", offer.id, before, snapshot(_out(offer)))
    db.commit()
    return _out(offer)


@router.post("/{offer_id}/accept", status_code=status.HTTP_201_CREATED, response_model=LicenceOut,
             responses={**ERRORS, 409: {"model": Error, "description": "Withdrawn or expired offer, or this "
                                        "licensee already holds a licence under it (the answer names it)."}},
             summary="Accept an open licence")
def accept(offer_id: PathId, who: Principal = Depends(licensees), db: Session = Depends(session)) -> LicenceOut:
    """Take a licence on exactly the published terms (non-exclusive; filing pending). It is in force at once for
    a free or pay-later offer, else `awaiting_payment` until the licensor confirms the fee (Patent Law Art. 51 ¶1)."""
    offer = get_offer(db, offer_id)
    licensee = own_organization(db, who)
    try:
        deal = accept_offer(db, offer, licensee, today())
    except LicenceRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    db.add(deal)
    try:
        db.flush()
    except IntegrityError:  # a concurrent acceptance won the unique index (uq_transactions_offer_licensee)
        db.rollback()
        offer, licensee = get_offer(db, offer_id), own_organization(db, who)
        earlier = earlier_licence(db, offer, licensee)
        if earlier is None:
            raise
        raise HTTPException(status.HTTP_409_CONFLICT, duplicate_message(offer, licensee, earlier)) from None
    out = licence_out(deal)
    record_audit(db, who, "create", "transaction", deal.id, None, snapshot(out))
    db.commit()
    return out


@router.post("/licences/{transaction_id}/payment", response_model=LicenceOut,
             responses={**ERRORS, 409: {"model": Error, "description": "The licence was cancelled."}},
             summary="Confirm a licence payment")
def record_licence_payment(transaction_id: PathId, body: PaymentIn, who: Principal = Depends(declarers),
                           db: Session = Depends(session)) -> LicenceOut:
    """The licensor confirms what it has received for a licence taken under its offer; a licence awaiting
    payment takes effect on `paid_on` once the published fee is paid (data/licensing.py says what counts)."""
    deal = db.get(Transaction, transaction_id)
    if deal is None or deal.offer_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no open licence {transaction_id}")
    if who.role is Role.TTO and who.organization_id != deal.from_org_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a TTO confirms payments for its own licences only")
    paid_on = body.paid_on or today()
    if paid_on > today():
        raise invalid("body.paid_on", f"付款日期 {paid_on} 晚于今天（{today()}）")
    if deal.received_amount is not None and body.amount < deal.received_amount:
        raise invalid("body.amount", f"到账累计金额只能增加：已登记 {deal.received_amount} 元")
    note = body.excess_note.strip() or deal.excess_note
    if deal.contract_amount is not None and body.amount > deal.contract_amount and not note:
        raise invalid("body.amount", f"到账金额 {body.amount} 元超过公布的一次性许可费 {deal.contract_amount} 元；"
                                     "如确有超额，请在 excess_note（超额说明）中写明原因")
    before = snapshot(licence_out(deal))
    try:
        record_payment(deal, body.amount, paid_on)
    except LicenceRefused as exc:
        field, _, message = str(exc).partition("：")
        if field == "status":
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        raise invalid(f"body.{'paid_on' if field == 'paid_on' else 'amount'}", message) from None
    deal.excess_note = note
    out = licence_out(deal)
    record_audit(db, who, "update", "transaction", deal.id, before, snapshot(out))
    db.commit()
    return out
