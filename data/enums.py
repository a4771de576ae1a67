"""Controlled vocabularies shared by records, imports and the API, with their Chinese labels."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    SME = "sme"
    SOE = "soe"
    ENTERPRISE = "enterprise"  # a company whose size is not known
    OPERATIONS_CENTER = "operations_center"
    INDIVIDUAL = "individual"
    OTHER = "other"


class PatentType(StrEnum):
    INVENTION = "invention"
    UTILITY_MODEL = "utility_model"
    DESIGN = "design"


class LegalStatus(StrEnum):
    PENDING = "pending"
    VALID = "valid"
    LAPSED = "lapsed"
    INVALID = "invalid"


class TransactionKind(StrEnum):
    TRANSFER = "transfer"
    LICENSE = "license"
    EQUITY = "equity"
    PLEDGE = "pledge"


class DealStatus(StrEnum):
    """Whether a deal counts: an open licence waits for the published fee (Patent Law Art. 51 ¶1)."""

    IN_FORCE = "in_force"
    AWAITING_PAYMENT = "awaiting_payment"
    CANCELLED = "cancelled"


class OwnershipEventKind(StrEnum):
    """What changed a patent's holders in the ownership ledger (data/ledger.py)."""

    RECORD = "record"  # the application or grant record: the holders a patent was filed or granted with
    TRANSFER = "transfer"  # 转让, effective on its 登记 date (else the signing date)
    EQUITY = "equity"  # 作价入股: the right passes to the company
    CORRECTION = "correction"  # an operator's 著录项目变更, with a reason
    LEGAL_EVENT = "legal_event"  # 专利权的转移 read from an export's legal-event column


class InterestStatus(StrEnum):
    """意向洽谈: an SME's interest in a patent for one of its needs, as the holder's TTO answers it."""

    OPEN = "open"  # sent, the TTO has not answered
    QUESTION = "question"  # the TTO asked a question; the SME's answer reopens it
    TALKING = "talking"  # the TTO accepted talks
    DECLINED = "declined"  # the TTO declined, with a reason
    DEAL = "deal"  # an operator recorded the deal it led to
    WITHDRAWN = "withdrawn"  # the SME withdrew it


class LicenseType(StrEnum):
    EXCLUSIVE = "exclusive"
    SOLE = "sole"
    ORDINARY = "ordinary"
    OPEN = "open"


class CooperationMode(StrEnum):
    TRANSFER = "transfer"
    LICENSE = "license"
    JOINT_DEVELOPMENT = "joint_development"
    EQUITY = "equity"


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    AWARDED = "awarded"
    REJECTED = "rejected"


class NeedStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"


class ChallengeState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SHORTLISTED = "shortlisted"
    AWARDED = "awarded"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class FeeType(StrEnum):
    LUMP_SUM = "lump_sum"
    ROYALTY = "royalty"
    PER_UNIT = "per_unit"
    FREE = "free"


class OfferStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class HolderRole(StrEnum):
    APPLICANT = "applicant"
    PATENTEE = "patentee"


class Role(StrEnum):
    """Who an API key speaks for (issue 6): each role sees and changes only what it should."""

    SME = "sme"  # its own needs, their matches, accepting open licences
    TTO = "tto"  # its own organisation's patents and licence offers, challenge applications
    OPERATOR = "operator"  # curation, challenges, transactions, anomaly review
    EVALUATOR = "evaluator"  # read-only, plus evaluation
    ADMIN = "admin"


class FlagStatus(StrEnum):
    """An anomaly flag's review (data/anomalies.py; stored as its value in anomaly_flags.status)."""

    OPEN = "open"
    CONFIRMED = "confirmed"  # the deal leaves the target figures
    DISMISSED = "dismissed"


class FilingStatus(StrEnum):
    """Whether a licence contract was filed (备案) with CNIPA (stored as its value in transactions.filing_status)."""

    PENDING = "pending"
    FILED = "filed"


class TagEntity(StrEnum):
    PATENT = "patent"
    NEED = "need"


class TagDimension(StrEnum):
    IPC = "ipc"  # technical field: IPC code or subclass
    SEI = "sei"  # technical field: strategic emerging industry (2021 concordance)
    CLUSTER = "cluster"  # technical field: provincial industry cluster
    EFFECT = "effect"  # technical effect (技术功效)
    PRODUCT = "product"  # product category (产品类别)
    TOPIC = "topic"  # technical sub-field: a learned topic (matching/landscape/topics.py)


class TagSource(StrEnum):
    GIVEN = "given"  # in the record (an imported IPC code)
    MAPPED = "mapped"  # derived from a given value through a table (IPC → industry → cluster)
    INFERRED = "inferred"  # predicted by a model (IPC from text)
    DECLARED = "declared"  # from what the enterprise declared (its industry)
    EXTRACTED = "extracted"  # found in the text by the tagger's cues, with the evidence phrase


# Chinese labels as they appear in CNIPA / incoPat / PatSnap exports and in our own output.
# Several spellings may map to one value; the first label of each value is the display label.
LABELS: dict[type[StrEnum], dict[str, StrEnum]] = {
    OrgKind: {
        "高校": OrgKind.UNIVERSITY, "大学": OrgKind.UNIVERSITY, "高等院校": OrgKind.UNIVERSITY,
        "科研院所": OrgKind.INSTITUTE, "研究院所": OrgKind.INSTITUTE, "研究所": OrgKind.INSTITUTE,
        "中小企业": OrgKind.SME, "中小微企业": OrgKind.SME, "科技型中小企业": OrgKind.SME,
        "国有企业": OrgKind.SOE, "国企": OrgKind.SOE,
        "企业": OrgKind.ENTERPRISE,
        "运营中心": OrgKind.OPERATIONS_CENTER, "专利运营中心": OrgKind.OPERATIONS_CENTER,
        "个人": OrgKind.INDIVIDUAL, "其他": OrgKind.OTHER,
    },
    PatentType: {
        "发明": PatentType.INVENTION, "发明专利": PatentType.INVENTION,
        "发明申请": PatentType.INVENTION, "发明授权": PatentType.INVENTION,
        "实用新型": PatentType.UTILITY_MODEL, "实用新型专利": PatentType.UTILITY_MODEL,
        "外观设计": PatentType.DESIGN, "外观设计专利": PatentType.DESIGN,
    },
    LegalStatus: {
        "有效": LegalStatus.VALID, "授权": LegalStatus.VALID, "有效专利": LegalStatus.VALID,
        "审中": LegalStatus.PENDING, "实质审查": LegalStatus.PENDING, "公开": LegalStatus.PENDING,
        "在审": LegalStatus.PENDING,
        "失效": LegalStatus.LAPSED, "未缴年费": LegalStatus.LAPSED, "期限届满": LegalStatus.LAPSED,
        "放弃": LegalStatus.LAPSED, "撤回": LegalStatus.LAPSED, "驳回": LegalStatus.LAPSED,
        "无效": LegalStatus.INVALID, "全部无效": LegalStatus.INVALID,
        # Filters and forms; an export's detailed vocabulary (未缴年费专利权终止, 部分无效 …, and 无效宣告
        # requests, which decide nothing) is read by data/legal_status.py.
    },
    TransactionKind: {
        "转让": TransactionKind.TRANSFER, "许可": TransactionKind.LICENSE,
        "实施许可": TransactionKind.LICENSE, "作价入股": TransactionKind.EQUITY,
        "质押": TransactionKind.PLEDGE, "质押融资": TransactionKind.PLEDGE,
    },
    LicenseType: {
        "独占许可": LicenseType.EXCLUSIVE, "独占": LicenseType.EXCLUSIVE,
        "排他许可": LicenseType.SOLE, "排他": LicenseType.SOLE,
        "普通许可": LicenseType.ORDINARY, "普通": LicenseType.ORDINARY,
        "开放许可": LicenseType.OPEN,
    },
    CooperationMode: {
        "转让": CooperationMode.TRANSFER, "许可": CooperationMode.LICENSE,
        "合作开发": CooperationMode.JOINT_DEVELOPMENT, "技术合作": CooperationMode.JOINT_DEVELOPMENT,
        "作价入股": CooperationMode.EQUITY,
    },
    ChallengeState: {
        "草稿": ChallengeState.DRAFT, "已发布": ChallengeState.PUBLISHED, "已入围": ChallengeState.SHORTLISTED,
        "已授榜": ChallengeState.AWARDED, "已完成": ChallengeState.COMPLETED, "已取消": ChallengeState.CANCELLED,
    },
    NeedStatus: {"开放": NeedStatus.OPEN, "已对接": NeedStatus.MATCHED, "关闭": NeedStatus.CLOSED},
    FeeType: {
        "一次性": FeeType.LUMP_SUM, "一次总付": FeeType.LUMP_SUM, "入门费": FeeType.LUMP_SUM,
        "提成": FeeType.ROYALTY, "销售提成": FeeType.ROYALTY, "按件": FeeType.PER_UNIT,
        "按件计费": FeeType.PER_UNIT, "免费": FeeType.FREE,
    },
    OfferStatus: {"有效": OfferStatus.ACTIVE, "已撤回": OfferStatus.WITHDRAWN},
    InterestStatus: {"待回复": InterestStatus.OPEN, "待答复提问": InterestStatus.QUESTION,
                     "洽谈中": InterestStatus.TALKING, "已婉拒": InterestStatus.DECLINED,
                     "已成交": InterestStatus.DEAL, "已撤回": InterestStatus.WITHDRAWN},
    DealStatus: {"已生效": DealStatus.IN_FORCE, "生效": DealStatus.IN_FORCE, "待付费": DealStatus.AWAITING_PAYMENT,
                 "已取消": DealStatus.CANCELLED, "取消": DealStatus.CANCELLED},
    OwnershipEventKind: {"著录登记": OwnershipEventKind.RECORD, "申请/授权登记": OwnershipEventKind.RECORD,
                         "转让": OwnershipEventKind.TRANSFER, "作价入股": OwnershipEventKind.EQUITY,
                         "著录项目变更": OwnershipEventKind.CORRECTION,
                         "法律事件": OwnershipEventKind.LEGAL_EVENT},
    ApplicationStatus: {"已提交": ApplicationStatus.SUBMITTED, "已入围": ApplicationStatus.SHORTLISTED,
                        "已揭榜": ApplicationStatus.AWARDED, "未入选": ApplicationStatus.REJECTED},
    HolderRole: {"申请人": HolderRole.APPLICANT, "专利权人": HolderRole.PATENTEE},
    Role: {"中小企业": Role.SME, "高校技术转移机构": Role.TTO, "运营中心": Role.OPERATOR, "评测人员": Role.EVALUATOR,
           "管理员": Role.ADMIN},
    TagEntity: {"专利": TagEntity.PATENT, "需求": TagEntity.NEED},
    TagDimension: {"IPC 分类": TagDimension.IPC, "战略性新兴产业": TagDimension.SEI,
                   "产业集群": TagDimension.CLUSTER, "技术功效": TagDimension.EFFECT,
                   "产品类别": TagDimension.PRODUCT, "学习主题": TagDimension.TOPIC},
    TagSource: {"原始著录": TagSource.GIVEN, "对照表映射": TagSource.MAPPED, "模型推断": TagSource.INFERRED,
                "企业申报": TagSource.DECLARED, "文本抽取": TagSource.EXTRACTED},
    FlagStatus: {"待审查": FlagStatus.OPEN, "已确认异常": FlagStatus.CONFIRMED, "已排除": FlagStatus.DISMISSED},
    FilingStatus: {"待备案": FilingStatus.PENDING, "已备案": FilingStatus.FILED},
}


def label(value: StrEnum) -> str:
    """The Chinese display label of an enum value (its first spelling in LABELS)."""
    for text, member in LABELS.get(type(value), {}).items():
        if member is value:
            return text
    return value.value


def parse_enum(enum: type[StrEnum], raw: str) -> StrEnum:
    """Accept the English value or any Chinese label; raise ValueError naming the choices."""
    text = raw.strip()
    try:
        return enum(text.lower())
    except ValueError:
        pass
    labels = LABELS.get(enum, {})
    if text in labels:
        return labels[text]
    choices = sorted({m.value for m in enum} | set(labels))
    raise ValueError(f"'{text}' is not one of: {', '.join(choices)}")
