"""Database records (SQLAlchemy 2, typed). The schema itself is created by Alembic migrations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from data.enums import (
    ApplicationStatus,
    ChallengeState,
    DealStatus,
    FeeType,
    HolderRole,
    LegalStatus,
    LicenseType,
    NeedStatus,
    OfferStatus,
    OrgKind,
    PatentType,
    Role,
    TagDimension,
    TagEntity,
    TagSource,
    TransactionKind,
)

# Money is stored in yuan (元) with two decimals; imports convert 万元 columns.
Money = Numeric(16, 2)


def _enum(enum: type[StrEnum], name: str | None = None) -> Enum:
    # Stored as VARCHAR + CHECK so SQLite and PostgreSQL hold the same values and migrations
    # need no ALTER TYPE when a value is added.
    return Enum(
        enum,
        native_enum=False,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        name=name or f"ck_{enum.__name__.lower()}",  # one table's two columns of one enum need two names
        create_constraint=True,
    )


class Base(DeclarativeBase):
    pass


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Organization(Timestamped, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind))
    # True when the kind was guessed from the name during a patent import (e.g. "…大学").
    kind_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    city: Mapped[str | None] = mapped_column(String(50))
    province: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(200))  # where notices go when email is on


class Patent(Timestamped, Base):
    __tablename__ = "patents"
    # A match looks up its candidates' ids and statuses by number without reading their rows (0009)
    __table_args__ = (Index("ix_patents_status_lookup", "application_number", "legal_status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_number: Mapped[str] = mapped_column(String(20), unique=True)  # 申请号, normalised
    publication_number: Mapped[str | None] = mapped_column(String(20))
    patent_type: Mapped[PatentType] = mapped_column(_enum(PatentType))
    title: Mapped[str] = mapped_column(String(500))
    abstract: Mapped[str] = mapped_column(Text, default="")
    first_claim: Mapped[str] = mapped_column(Text, default="")
    main_ipc: Mapped[str | None] = mapped_column(String(20))
    application_date: Mapped[dt.date] = mapped_column(Date)
    grant_date: Mapped[dt.date | None] = mapped_column(Date)
    legal_status: Mapped[LegalStatus] = mapped_column(_enum(LegalStatus))
    # The status as the export wrote it (未缴年费专利权终止 …); an unknown one is kept and flagged for review.
    legal_status_raw: Mapped[str | None] = mapped_column(String(500))
    legal_status_review: Mapped[bool] = mapped_column(Boolean, default=False)
    publicly_funded: Mapped[bool | None] = mapped_column(Boolean)  # 财政资助; None: not known
    # Open licensing: annual fees are reduced while an open licence is being implemented (Patent Law Art. 51 ¶2).
    annual_fee_reduction_since: Mapped[dt.date | None] = mapped_column(Date)
    # Indicators used by value scoring and open-licence eligibility; None means unknown.
    claim_count: Mapped[int | None] = mapped_column(Integer)
    cited_by_count: Mapped[int | None] = mapped_column(Integer)
    family_size: Mapped[int | None] = mapped_column(Integer)
    right_suspended: Mapped[bool] = mapped_column(Boolean, default=False)  # 中止
    annual_fee_paid_until: Mapped[dt.date | None] = mapped_column(Date)
    has_evaluation_report: Mapped[bool] = mapped_column(Boolean, default=False)  # 专利权评价报告
    # PCT and foreign filings (programme indicators, data/profiles.py). A row is a Chinese patent (CN) or a
    # foreign one, numbered with its office's code (US17123456). `family_reported`: the row was imported with a
    # 国别 or PCT申请号 cell (a worldwide export), so a blank PCT number means none was filed (0014).
    jurisdiction: Mapped[str] = mapped_column(String(2), default="CN")  # 国别/受理局
    pct_number: Mapped[str | None] = mapped_column(String(24))  # PCT申请号, e.g. PCT/CN2024/123456
    family_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sleeping-patent (沉睡专利) verdict of the last detection run, with its reason.
    is_sleeping: Mapped[bool] = mapped_column(Boolean, default=False)
    sleeping_reason: Mapped[str | None] = mapped_column(Text)
    sleeping_checked_on: Mapped[dt.date | None] = mapped_column(Date)

    ipcs: Mapped[list[PatentIPC]] = relationship(
        back_populates="patent", cascade="all, delete-orphan", order_by="PatentIPC.position"
    )
    holders: Mapped[list[PatentHolder]] = relationship(
        back_populates="patent", cascade="all, delete-orphan", order_by="PatentHolder.position"
    )
    transactions: Mapped[list[Transaction]] = relationship(
        secondary="transaction_patents", back_populates="patents", viewonly=True
    )
    offers: Mapped[list[LicenseOffer]] = relationship(back_populates="patent")
    ownership_events: Mapped[list[OwnershipEvent]] = relationship(
        back_populates="patent", cascade="all, delete-orphan",
        order_by="(OwnershipEvent.effective_on, OwnershipEvent.id)")


class PatentTextChanges(Base):
    """Changes to patents' indexed text, counted by database triggers (0016): their sum changes whenever a
    patent is added, removed or has its number, title, abstract or first claim changed, by any writer."""

    __tablename__ = "patent_text_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    changes: Mapped[int] = mapped_column(BigInteger)


class DatabaseIdentity(Base):
    """One row: a token made when the schema was created, so an index can tell which database it was read from."""

    __tablename__ = "database_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class PatentIPC(Base):
    __tablename__ = "patent_ipcs"
    __table_args__ = (UniqueConstraint("patent_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))  # normalised, e.g. "H01M 10/0525"
    subclass: Mapped[str] = mapped_column(String(4), index=True)
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    patent: Mapped[Patent] = relationship(back_populates="ipcs")


class PatentHolder(Base):
    __tablename__ = "patent_holders"
    __table_args__ = (UniqueConstraint("patent_id", "organization_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[HolderRole] = mapped_column(_enum(HolderRole))
    position: Mapped[int] = mapped_column(Integer, default=0)

    patent: Mapped[Patent] = relationship(back_populates="holders")
    organization: Mapped[Organization] = relationship()


class Need(Timestamped, Base):
    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # 需求编号
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(50))
    province: Mapped[str | None] = mapped_column(String(50))
    budget: Mapped[Decimal | None] = mapped_column(Money)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    cooperation_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[NeedStatus] = mapped_column(_enum(NeedStatus), default=NeedStatus.OPEN)

    organization: Mapped[Organization] = relationship()
    challenge: Mapped[Challenge | None] = relationship(back_populates="need", uselist=False,
                                                       cascade="all, delete-orphan")


class Challenge(Timestamped, Base):
    """A 揭榜挂帅 challenge: a need published with a reward for research teams to take up."""

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), unique=True)
    reward: Mapped[Decimal] = mapped_column(Money)
    deadline: Mapped[dt.date] = mapped_column(Date)
    conditions: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ChallengeState] = mapped_column(
        _enum(ChallengeState), default=ChallengeState.PUBLISHED
    )

    need: Mapped[Need] = relationship(back_populates="challenge")
    applications: Mapped[list[ChallengeApplication]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="ChallengeApplication.id")
    events: Mapped[list[ChallengeEvent]] = relationship(cascade="all, delete-orphan", order_by="ChallengeEvent.id")


class ChallengeApplication(Base):
    """A research team's application (揭榜) to a challenge, with its proposal and patents."""

    __tablename__ = "challenge_applications"
    __table_args__ = (UniqueConstraint("challenge_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    proposal: Mapped[str] = mapped_column(Text)
    patent_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)  # 申请号 of the team's patents
    status: Mapped[ApplicationStatus] = mapped_column(_enum(ApplicationStatus), default=ApplicationStatus.SUBMITTED)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    challenge: Mapped[Challenge] = relationship(back_populates="applications")
    organization: Mapped[Organization] = relationship()


class ChallengeEvent(Base):
    """One validated state change of a challenge: who, when, from what to what, and why."""

    __tablename__ = "challenge_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[ChallengeState | None] = mapped_column(_enum(ChallengeState, "ck_challenge_from_state"))
    to_state: Mapped[ChallengeState] = mapped_column(_enum(ChallengeState, "ck_challenge_to_state"))
    actor: Mapped[str] = mapped_column(String(64))  # role and key prefix
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LicenseOffer(Timestamped, Base):
    """An open-licence (开放许可) declaration; always non-exclusive by law (Patent Law Art. 50)."""

    __tablename__ = "license_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), index=True)
    fee_type: Mapped[FeeType] = mapped_column(_enum(FeeType))
    lump_sum: Mapped[Decimal | None] = mapped_column(Money)
    royalty_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 4))  # fraction of sales
    per_unit_fee: Mapped[Decimal | None] = mapped_column(Money)
    payment_method: Mapped[str] = mapped_column(Text, default="")
    term_start: Mapped[dt.date] = mapped_column(Date)
    term_end: Mapped[dt.date] = mapped_column(Date)
    pay_later_months: Mapped[int | None] = mapped_column(Integer)  # 先使用后付费 period
    status: Mapped[OfferStatus] = mapped_column(_enum(OfferStatus), default=OfferStatus.ACTIVE)
    declared_on: Mapped[dt.date] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    pledgee_consent: Mapped[bool] = mapped_column(Boolean, default=False)  # for a pledged patent

    patent: Mapped[Patent] = relationship(back_populates="offers")


class TransactionPatent(Base):
    __tablename__ = "transaction_patents"

    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("transactions.id", ondelete="CASCADE"), primary_key=True
    )
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), primary_key=True, index=True)


class Transaction(Timestamped, Base):
    """A transfer, licence, equity contribution or pledge; also each patent's event history."""

    __tablename__ = "transactions"
    # One licence per licensee and open-licence offer (a second acceptance is refused, data/licensing.py)
    __table_args__ = (Index("uq_transactions_offer_licensee", "offer_id", "to_org_id", unique=True,
                            sqlite_where=text("offer_id IS NOT NULL AND status != 'cancelled'"),
                            postgresql_where=text("offer_id IS NOT NULL AND status != 'cancelled'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # 合同编号
    kind: Mapped[TransactionKind] = mapped_column(_enum(TransactionKind))
    license_type: Mapped[LicenseType | None] = mapped_column(_enum(LicenseType))
    # transferor / licensor / pledgor → transferee / licensee / pledgee
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contract_amount: Mapped[Decimal | None] = mapped_column(Money)
    received_amount: Mapped[Decimal | None] = mapped_column(Money)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    recorded_on: Mapped[dt.date | None] = mapped_column(Date)  # 备案 / 登记 date
    licensee_is_sme: Mapped[bool | None] = mapped_column(Boolean)
    source_need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("license_offers.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # When a licence's term ends or a pledge is released; None: in force with no known end.
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    filing_status: Mapped[str | None] = mapped_column(String(16))  # 备案: pending / filed
    source_challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id"))
    # Only in-force deals count; an open licence awaits its published fee, a cancelled deal stays on record.
    status: Mapped[DealStatus] = mapped_column(_enum(DealStatus), default=DealStatus.IN_FORCE)
    effective_on: Mapped[dt.date | None] = mapped_column(Date)  # when a licence took effect (payment)
    excess_note: Mapped[str] = mapped_column(Text, default="")  # why more was received than contracted
    # A client's Idempotency-Key and a digest of its request: a retry returns this deal, never a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_digest: Mapped[str | None] = mapped_column(String(64))

    from_org: Mapped[Organization] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Organization] = relationship(foreign_keys=[to_org_id])
    patents: Mapped[list[Patent]] = relationship(
        secondary="transaction_patents", back_populates="transactions"
    )


class MatchFeedback(Base):
    __tablename__ = "match_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), index=True)
    grade: Mapped[int] = mapped_column(Integer)  # 0 not relevant, 1 partly, 2 solves the need
    reason: Mapped[str] = mapped_column(Text, default="")
    given_by: Mapped[str] = mapped_column(String(24))  # role of who graded: operator / sme
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Tag(Base):
    """A tag (加工标引) on a patent or need: field, effect or product, with confidence, source and evidence."""

    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_entity", "entity", "entity_id"),
                      Index("ix_tags_dimension_code", "dimension", "code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[TagEntity] = mapped_column(_enum(TagEntity))
    entity_id: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[TagDimension] = mapped_column(_enum(TagDimension))
    code: Mapped[str] = mapped_column(String(40))  # H01M 10/44, 6.3, a cluster name, E04, P01
    label: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[TagSource] = mapped_column(_enum(TagSource))
    evidence: Mapped[str] = mapped_column(Text, default="")


class TagState(Base):
    """What a patent's or need's tags were computed from, so `patent-match tag` redoes only changes."""

    __tablename__ = "tag_states"
    __table_args__ = (UniqueConstraint("entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[TagEntity] = mapped_column(_enum(TagEntity))
    entity_id: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    tagged_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """An API key: only a hash of the secret is stored; the key is shown once, when created."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # the key's public part, to find it
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the whole key
    role: Mapped[Role] = mapped_column(_enum(Role))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    organization: Mapped[Organization | None] = relationship()


class WebSession(Base):
    """A signed-in browser: the cookie carries a random token, the database only its hash and the form token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))  # every form posts it back (synchroniser token)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    api_key: Mapped[ApiKey] = relationship()


class AuditEntry(Base):
    """One change to a record that counts toward targets: who, when, what, before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # create / update / delete
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class RelatedParties(Base):
    """Two organisations an operator marked as related (关联方): deals between them are flagged."""

    __tablename__ = "related_parties"
    __table_args__ = (UniqueConstraint("first_org_id", "second_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    second_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class AnomalyFlag(Base):
    """A deal a documented rule flags as possibly not real technology use, with its evidence and review."""

    __tablename__ = "anomaly_flags"
    __table_args__ = (UniqueConstraint("transaction_id", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / confirmed / dismissed
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# Records kept in modules of their own, imported here so that `data.models` names every table (the
# metadata Alembic compares, and the relationships above that name them by string).
from data.enterprise_models import (  # noqa: E402, F401
    EnterpriseYear,
    Implementation,
    ProductFiling,
    ProductFilingPatent,
)
from data.interest_models import Interest, InterestMessage, Notification  # noqa: E402, F401
from data.ledger_models import OwnershipEvent, OwnershipEventHolder  # noqa: E402, F401
from data.project_models import ProgrammeProject, ProjectPayment  # noqa: E402, F401
