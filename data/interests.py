"""意向洽谈: an SME's interest in a patent for one of its open needs, answered by the holder's TTO.

The rules, whichever way a step arrives (API, web page):
- only an SME expresses interest, for one of its own open needs, with a message; once per need and patent;
- the interest is addressed to the patent's current holder (the ownership ledger): the first holder with a
  TTO key, else the first university or institute, else the first holder; one with no TTO key still works,
  as operators see every conversation;
- a conversation still open follows the patent: the TTOs of its current holders see and answer it, and once
  its holder no longer holds the patent (a transfer) it is readdressed to the current one, who decides afresh
  (talks a former holder agreed to do not bind the new one); a closed conversation stays with who answered it;
- only the holder's TTO answers (accept talks, decline with a reason, ask a question); only the SME replies
  or withdraws; nobody answers a declined, withdrawn or concluded conversation;
- once the need is closed nobody accepts, asks or replies: the holder may still decline and the SME withdraw;
- an operator records the deal an accepted conversation led to (data/deals.py, the same rules as any deal),
  which counts as a match outcome: feedback grade 2 for (need, patent).
Each step is a message in the conversation and a notice to the other side (data/notifications.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from data import deals, notifications
from data.enums import InterestStatus, NeedStatus, OrgKind, Role
from data.models import (
    ApiKey,
    Interest,
    InterestMessage,
    MatchFeedback,
    Need,
    Organization,
    Patent,
    PatentHolder,
    Transaction,
)

Refusal = Literal["invalid", "forbidden", "not_found", "conflict"]
CLOSED = (InterestStatus.DECLINED, InterestStatus.WITHDRAWN, InterestStatus.DEAL)
MAX_TEXT = 5_000
LINK = "/ui/interests/{id}"


class InterestRefused(ValueError):
    """Why a step was refused: `kind` maps to 422 / 403 / 404 / 409; `field` names the request field."""

    def __init__(self, kind: Refusal, field: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.field, self.message = kind, field, message


@dataclass(frozen=True)
class Actor:
    """Who takes a step: a key's role and the organisation it acts for."""

    role: Role
    organization_id: int | None

    @property
    def recipient(self) -> notifications.Recipient:
        return notifications.Recipient(self.role.value, self.organization_id)


def holder_for(session: Session, patent: Patent) -> Organization | None:
    """The holder an interest is addressed to (see the module's rules)."""
    organizations = [h.organization for h in sorted(patent.holders, key=lambda h: h.position)]
    if not organizations:
        return None
    with_tto = set(session.scalars(select(ApiKey.organization_id).where(
        ApiKey.role == Role.TTO, ApiKey.revoked_at.is_(None),
        ApiKey.organization_id.in_([o.id for o in organizations]))))
    for choose in (lambda o: o.id in with_tto, lambda o: o.kind in (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)):
        found = next((o for o in organizations if choose(o)), None)
        if found is not None:
            return found
    return organizations[0]


def _text(value: str, field: str, what: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InterestRefused("invalid", field, f"{what}不能为空")
    if len(text) > MAX_TEXT:
        raise InterestRefused("invalid", field, f"{what}不能超过 {MAX_TEXT} 字")
    return text


def _step(interest: Interest, actor: Actor, action: str, text: str, now: dt.datetime) -> None:
    author = actor.organization_id if actor.role in (Role.SME, Role.TTO) else None
    interest.messages.append(InterestMessage(author_org_id=author, author_role=actor.role.value, action=action,
                                             text=text, at=now))
    interest.updated_at = now


def _about(interest: Interest) -> str:
    return f"“{interest.need.title}” × 专利 {interest.patent.application_number}《{interest.patent.title}》"


def express(session: Session, actor: Actor, need_id: int, application_number: str, message: str,
            now: dt.datetime) -> Interest:
    """A new interest; refused when the need is not the SME's own open need, or one exists for the pair."""
    if actor.role not in (Role.SME, Role.ADMIN):
        raise InterestRefused("forbidden", "role", "只有中小企业可以就自己的需求提出合作意向")
    need = session.get(Need, need_id)
    if need is None or (actor.role is Role.SME and need.organization_id != actor.organization_id):
        raise InterestRefused("not_found", "need_id", f"没有编号为 {need_id} 的本单位需求")
    patent = session.scalar(select(Patent).where(Patent.application_number == application_number))
    if patent is None:
        raise InterestRefused("not_found", "application_number", f"没有申请号为 {application_number} 的专利")
    text = _text(message, "message", "意向说明")
    if need.status is not NeedStatus.OPEN:
        raise InterestRefused("conflict", "need_id", f"需求 {need_id} 已不是开放状态，不能再提出合作意向")
    if need.organization_id in {h.organization_id for h in patent.holders}:
        raise InterestRefused("conflict", "application_number",
                              f"专利 {application_number} 的权利人是本单位，无需提出合作意向")
    earlier = session.scalar(select(Interest).where(Interest.need_id == need.id, Interest.patent_id == patent.id))
    if earlier is not None:
        raise InterestRefused("conflict", "application_number",
                              f"已就需求 {need.id} 和专利 {application_number} 提出过合作意向 #{earlier.id}"
                              f"（{_status_text(earlier.status)}），请在该洽谈中继续沟通")
    holder = holder_for(session, patent)
    if holder is None:
        raise InterestRefused("conflict", "application_number", f"专利 {application_number} 没有登记权利人")
    interest = Interest(need=need, patent=patent, sme_org_id=need.organization_id, holder_org=holder,
                        status=InterestStatus.OPEN, messages=[], created_at=now, updated_at=now)
    session.add(interest)
    _step(interest, actor, "interest", text, now)
    session.flush()
    sme = session.get(Organization, need.organization_id)
    link = LINK.format(id=interest.id)
    what = f"{sme.name if sme else '一家企业'}对{_about(interest)}提出合作意向"
    notifications.for_organization(session, holder.id, Role.TTO.value, "interest", what, link)
    notifications.for_operators(session, "interest", f"{what}（权利人：{holder.name}）", link)
    return interest


def _status_text(status: InterestStatus) -> str:
    from data.enums import label

    return label(status)


def visible(query, actor: Actor):  # noqa: ANN001, ANN201
    """SMEs see their own interests, TTOs the open ones on patents their organisation holds now and the closed
    ones they answered, operators all."""
    if actor.role is Role.SME:
        return query.where(Interest.sme_org_id == actor.organization_id)
    if actor.role is Role.TTO:
        holds = exists().where(PatentHolder.patent_id == Interest.patent_id,
                               PatentHolder.organization_id == actor.organization_id)
        return query.where(or_(and_(Interest.status.not_in(CLOSED), holds),
                               and_(Interest.status.in_(CLOSED), Interest.holder_org_id == actor.organization_id)))
    if actor.role in (Role.OPERATOR, Role.ADMIN):
        return query
    return query.where(Interest.id.is_(None))


def readdress(session: Session, interest: Interest) -> bool:
    """Point an open conversation whose holder no longer holds the patent at the current holder (see the
    module's rules); its TTO and the SME are told, once: the next call finds the holder current."""
    current = {h.organization_id for h in interest.patent.holders}
    if interest.status in CLOSED or interest.holder_org_id in current:
        return False
    holder = holder_for(session, interest.patent)
    if holder is None:
        return False
    former = interest.holder_org
    interest.holder_org, interest.holder_org_id = holder, holder.id
    if interest.status in (InterestStatus.TALKING, InterestStatus.QUESTION):
        interest.status = InterestStatus.OPEN
    link = LINK.format(id=interest.id)
    moved = f"专利 {interest.patent.application_number} 的权利人已由{former.name}变更为{holder.name}"
    notifications.for_organization(session, holder.id, Role.TTO.value, "interest",
                                   f"{moved}，{interest.sme_org.name}对{_about(interest)}的合作意向转由贵单位答复",
                                   link)
    _tell_sme(session, interest, "interest_holder", f"{moved}，{_about(interest)}的合作意向转由{holder.name}答复")
    session.flush()
    return True


def find(session: Session, actor: Actor, interest_id: int) -> Interest:
    """The interest, if this actor may see it, addressed to the patent's current holder."""
    interest = session.scalar(visible(select(Interest).where(Interest.id == interest_id), actor))
    if interest is None:
        raise InterestRefused("not_found", "interest_id", f"没有编号为 {interest_id} 的合作意向")
    readdress(session, interest)
    return interest


def _holder_side(interest: Interest, actor: Actor) -> None:
    """A TTO of a current holder answers; the one that answered a closed conversation hears why not (409)."""
    if actor.role is Role.ADMIN:
        return
    holds = actor.organization_id in {h.organization_id for h in interest.patent.holders}
    answered = interest.status in CLOSED and actor.organization_id == interest.holder_org_id
    if actor.role is not Role.TTO or not (holds or answered):
        raise InterestRefused("forbidden", "role", "只有专利权人的技术转移机构可以答复合作意向")


def _sme_side(interest: Interest, actor: Actor) -> None:
    if actor.role is Role.ADMIN:
        return
    if actor.role is not Role.SME or actor.organization_id != interest.sme_org_id:
        raise InterestRefused("forbidden", "role", "只有提出意向的企业可以回复或撤回")


def _not_closed(interest: Interest, doing: str) -> None:
    if interest.status in CLOSED:
        raise InterestRefused("conflict", "status", f"合作意向 #{interest.id} {_status_text(interest.status)}，"
                                                    f"不能再{doing}")


def _need_not_closed(interest: Interest, doing: str) -> None:
    """A closed need ends its talks: nobody accepts, asks or replies any more; the holder may still decline,
    the SME withdraw, and an operator record a deal agreed before it was closed."""
    if interest.need.status is NeedStatus.CLOSED:
        raise InterestRefused("conflict", "need_id", f"需求 {interest.need_id}“{interest.need.title}”已关闭，"
                                                     f"合作意向 #{interest.id} 不能再{doing}")


def _tell_sme(session: Session, interest: Interest, kind: str, text: str) -> None:
    notifications.for_organization(session, interest.sme_org_id, Role.SME.value, kind, text,
                                   LINK.format(id=interest.id))


def _tell_holder(session: Session, interest: Interest, kind: str, text: str) -> None:
    notifications.for_organization(session, interest.holder_org_id, Role.TTO.value, kind, text,
                                   LINK.format(id=interest.id))


def accept(session: Session, actor: Actor, interest: Interest, text: str, now: dt.datetime) -> Interest:
    _holder_side(interest, actor)
    text = _text(text, "text", "留言", required=False)
    _not_closed(interest, "接受洽谈")
    _need_not_closed(interest, "接受洽谈")
    if interest.status is InterestStatus.TALKING:
        raise InterestRefused("conflict", "status", f"合作意向 #{interest.id} 已在洽谈中")
    interest.status = InterestStatus.TALKING
    _step(interest, actor, "accept", text, now)
    _tell_sme(session, interest, "interest_accept", f"{interest.holder_org.name}同意就{_about(interest)}洽谈")
    return interest


def decline(session: Session, actor: Actor, interest: Interest, reason: str, now: dt.datetime) -> Interest:
    _holder_side(interest, actor)
    reason = _text(reason, "reason", "婉拒理由")
    _not_closed(interest, "婉拒")
    interest.status = InterestStatus.DECLINED
    _step(interest, actor, "decline", reason, now)
    _tell_sme(session, interest, "interest_decline", f"{interest.holder_org.name}婉拒了{_about(interest)}：{reason}")
    return interest


def question(session: Session, actor: Actor, interest: Interest, text: str, now: dt.datetime) -> Interest:
    """A question before deciding waits for the SME's answer; one asked during talks keeps them going."""
    _holder_side(interest, actor)
    text = _text(text, "text", "提问内容")
    _not_closed(interest, "提问")
    _need_not_closed(interest, "提问")
    if interest.status is not InterestStatus.TALKING:
        interest.status = InterestStatus.QUESTION
    _step(interest, actor, "question", text, now)
    _tell_sme(session, interest, "interest_question", f"{interest.holder_org.name}就{_about(interest)}提问：{text}")
    return interest


def reply(session: Session, actor: Actor, interest: Interest, text: str, now: dt.datetime) -> Interest:
    """The SME's message; an answer to a question hands the decision back to the TTO."""
    _sme_side(interest, actor)
    text = _text(text, "text", "回复内容")
    _not_closed(interest, "回复")
    _need_not_closed(interest, "回复")
    if interest.status is InterestStatus.QUESTION:
        interest.status = InterestStatus.OPEN
    _step(interest, actor, "message", text, now)
    _tell_holder(session, interest, "interest_message", f"{interest.sme_org.name}就{_about(interest)}回复：{text}")
    return interest


def withdraw(session: Session, actor: Actor, interest: Interest, text: str, now: dt.datetime) -> Interest:
    _sme_side(interest, actor)
    text = _text(text, "text", "撤回说明", required=False)
    _not_closed(interest, "撤回")
    interest.status = InterestStatus.WITHDRAWN
    _step(interest, actor, "withdraw", text, now)
    _tell_holder(session, interest, "interest_withdraw", f"{interest.sme_org.name}撤回了{_about(interest)}的合作意向")
    return interest


def record_deal(session: Session, actor: Actor, interest: Interest, deal: Transaction, today: dt.date,
                now: dt.datetime, audit_actor: str = "") -> Transaction:
    """The deal an accepted conversation led to, under every deal rule (data/deals.py raises DealRefused);
    it cites the need, and the pair is graded 2 (it solved the need) for learning and evaluation."""
    if actor.role not in (Role.OPERATOR, Role.ADMIN):
        raise InterestRefused("forbidden", "role", "只有运营人员可以登记洽谈达成的交易")
    _not_closed(interest, "登记交易")
    if interest.status is not InterestStatus.TALKING:
        raise InterestRefused("conflict", "status", f"合作意向 #{interest.id} 尚未被权利人"
                                                    f"{interest.holder_org.name}接受洽谈（{_status_text(interest.status)}），不能登记交易")
    deal.source_need_id, deal.patents = interest.need_id, [interest.patent]
    deals.record(session, deal, today, audit_actor)
    interest.transaction_id, interest.status = deal.id, InterestStatus.DEAL
    _step(interest, actor, "deal", f"交易 #{deal.id}", now)
    session.add(MatchFeedback(need_id=interest.need_id, patent_id=interest.patent_id, grade=2,
                              reason=f"合作意向 #{interest.id} 达成交易 #{deal.id}", given_by=actor.role.value))
    what = f"{_about(interest)}的洽谈已达成交易 #{deal.id}"
    _tell_sme(session, interest, "interest_deal", what)
    _tell_holder(session, interest, "interest_deal", what)
    return deal


def last_activity(interest: Interest) -> dt.datetime | None:
    def utc(moment: dt.datetime) -> dt.datetime:  # SQLite hands back naive UTC, PostgreSQL aware
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment

    return max((utc(m.at) for m in interest.messages if m.at is not None), default=interest.created_at)


def age_days(interest: Interest, today: dt.date) -> int:
    created = interest.created_at or interest.updated_at
    return max(0, (today - created.date()).days) if created is not None else 0
