"""Patent search and browse with facets, for the API (`GET /patents`) and the web (`/ui/patents`, `/ui/offers`).

Bibliographic data is public, so every role may search. Everything is one SQL query with a count: the
facets read the tags of `patent-match tag` (matching/tags) through correlated EXISTS subqueries, and no
patent text is loaded beyond the page shown, so a search over 100k patents reads one page of rows.

Facets: text (title, abstract or application number), cluster, effect, product (code or name, as the CLI's
`--cluster/--effect/--product`), field (an IPC prefix, from the given codes or the IPC tags), sleeping,
licence (an open-licence offer one can accept today: active and its term not over), holder (name
contains) or holder_id, and legal status.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from data.enums import LegalStatus, OfferStatus, PatentType, TagDimension, TagEntity
from data.models import LicenseOffer, Organization, Patent, PatentHolder, PatentIPC, Tag
from data.normalize import halfwidth, normalize_application_number

MAX_LIMIT = 100
_IPC_PREFIX = re.compile(r"([A-H]\d{2}[A-Z])\s*(\d.*)")


@dataclass(frozen=True)
class PatentFilters:
    text: str = ""
    cluster: str | None = None
    effect: str | None = None
    product: str | None = None
    field: str | None = None  # an IPC prefix: H01M, H01M 10/
    sleeping: bool | None = None
    licence: bool | None = None
    holder: str | None = None  # part of a holder's name
    holder_id: int | None = None  # e.g. a TTO's own organisation
    status: LegalStatus | None = None
    topic: str | None = None  # a learned topic's code (T03), as the landscape's topic sub-fields link to


@dataclass(frozen=True)
class PatentSummary:
    application_number: str
    title: str
    patent_type: PatentType
    legal_status: LegalStatus
    application_date: dt.date
    main_ipc: str | None
    holders: tuple[str, ...]
    sleeping: bool
    sleeping_reason: str | None
    open_offer_ids: tuple[int, ...]  # offers one can accept today, oldest first


@dataclass(frozen=True)
class PatentPage:
    total: int
    offset: int
    limit: int
    items: tuple[PatentSummary, ...]


@dataclass(frozen=True)
class FacetChoice:
    code: str
    label: str


@dataclass(frozen=True)
class FacetChoices:
    """The values the cluster, effect and product facets can take in this database (for select boxes)."""

    clusters: tuple[FacetChoice, ...]
    effects: tuple[FacetChoice, ...]
    products: tuple[FacetChoice, ...]


def ipc_prefix(raw: str) -> str:
    """'h01m10/', 'Ｈ０１Ｍ' → 'H01M 10/', 'H01M': the stored codes' spelling (a space after the subclass)."""
    text = re.sub(r"\s+", " ", halfwidth(raw).upper().strip())
    match = _IPC_PREFIX.fullmatch(text)
    return f"{match[1]} {match[2].strip()}" if match else text


def open_offer_condition(today: dt.date):  # noqa: ANN201
    """An offer one can accept today: declared, active, and its licence term not over (data/licensing.py
    refuses an acceptance after term_end)."""
    return and_(LicenseOffer.status == OfferStatus.ACTIVE, LicenseOffer.term_end >= today,
                LicenseOffer.declared_on <= today)


def _tagged(dimension: TagDimension, value: str):  # noqa: ANN202
    """The patent carries a tag of this dimension with this code or name (as matching/tags/store.py
    `matching_ids` reads a facet), as a correlated subquery instead of a set of ids."""
    condition = or_(Tag.code == value, Tag.label == value)
    if dimension is TagDimension.PRODUCT:
        condition = or_(condition, Tag.label.contains(value, autoescape=True))
    if dimension is TagDimension.IPC:
        condition = or_(condition, Tag.code.startswith(value, autoescape=True))
    return exists().where(Tag.entity == TagEntity.PATENT, Tag.entity_id == Patent.id, Tag.dimension == dimension,
                          condition)


def _text_condition(text: str):  # noqa: ANN202
    conditions = [Patent.title.contains(text, autoescape=True), Patent.abstract.contains(text, autoescape=True),
                  Patent.application_number.contains(text, autoescape=True)]
    try:  # CN202110123456.7, ZL 2021 1012 3456.7 …: the stored spelling
        conditions.append(Patent.application_number == normalize_application_number(text))
    except ValueError:
        pass
    return or_(*conditions)


def patent_query(filters: PatentFilters, today: dt.date):  # noqa: ANN201
    """The patents meeting every given facet, as a SELECT of Patent (no order, no paging)."""
    query = select(Patent)
    text = filters.text.strip()
    if text:
        query = query.where(_text_condition(text))
    for dimension, value in ((TagDimension.CLUSTER, filters.cluster), (TagDimension.EFFECT, filters.effect),
                             (TagDimension.PRODUCT, filters.product), (TagDimension.TOPIC, filters.topic)):
        if value and value.strip():
            query = query.where(_tagged(dimension, value.strip()))
    if filters.field and filters.field.strip():
        prefix = ipc_prefix(filters.field)
        query = query.where(or_(Patent.ipcs.any(PatentIPC.code.startswith(prefix, autoescape=True)),
                                _tagged(TagDimension.IPC, prefix)))
    if filters.sleeping is not None:
        query = query.where(Patent.is_sleeping.is_(filters.sleeping))
    if filters.licence is not None:
        offered = Patent.offers.any(open_offer_condition(today))
        query = query.where(offered if filters.licence else ~offered)
    if filters.holder and filters.holder.strip():
        named = PatentHolder.organization.has(Organization.name.contains(filters.holder.strip(), autoescape=True))
        query = query.where(Patent.holders.any(named))
    if filters.holder_id is not None:
        query = query.where(Patent.holders.any(PatentHolder.organization_id == filters.holder_id))
    if filters.status is not None:
        query = query.where(Patent.legal_status == filters.status)
    return query


def search_patents(session: Session, filters: PatentFilters, today: dt.date, offset: int = 0,
                   limit: int = 20) -> PatentPage:
    """One page of the patents meeting the filters. Order: title hits first when searching text, then
    sleeping patents (the ones waiting for a taker), then by application number, so pages never overlap."""
    query = patent_query(filters, today)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Patent.id).subquery())) or 0
    order = [Patent.is_sleeping.desc(), Patent.application_number]
    text = filters.text.strip()
    if text:
        order.insert(0, case((Patent.title.contains(text, autoescape=True), 0), else_=1))
    limit = max(1, min(limit, MAX_LIMIT))
    rows = session.scalars(query.options(selectinload(Patent.holders).selectinload(PatentHolder.organization))
                           .order_by(*order).offset(offset).limit(limit)).all()
    offers = _open_offers(session, [p.id for p in rows], today)
    items = tuple(PatentSummary(p.application_number, p.title, p.patent_type, p.legal_status, p.application_date,
                                p.main_ipc, tuple(h.organization.name for h in p.holders), p.is_sleeping,
                                p.sleeping_reason, offers.get(p.id, ())) for p in rows)
    return PatentPage(total, offset, limit, items)


def _open_offers(session: Session, patent_ids: list[int], today: dt.date) -> dict[int, tuple[int, ...]]:
    if not patent_ids:
        return {}
    found: dict[int, tuple[int, ...]] = {}
    rows = session.execute(select(LicenseOffer.patent_id, LicenseOffer.id).where(
        LicenseOffer.patent_id.in_(patent_ids), open_offer_condition(today)).order_by(LicenseOffer.id))
    for patent_id, offer_id in rows:
        found[patent_id] = (*found.get(patent_id, ()), offer_id)
    return found


def facet_choices(session: Session) -> FacetChoices:
    """The distinct cluster, effect and product tags on patents (a few dozen values: the vocabularies are small)."""
    def values(dimension: TagDimension) -> tuple[FacetChoice, ...]:
        rows = session.execute(select(Tag.code, Tag.label).where(Tag.entity == TagEntity.PATENT,
                                                                 Tag.dimension == dimension)
                               .distinct().order_by(Tag.code))
        return tuple(FacetChoice(code, label) for code, label in rows)

    return FacetChoices(values(TagDimension.CLUSTER), values(TagDimension.EFFECT), values(TagDimension.PRODUCT))
