"""Columns each import kind accepts: canonical field, Chinese label, header spellings and type.

Headers are matched after folding full-width characters, brackets, spaces and case, so
`公开（公告）号`, `公开(公告)号` and `公开 (公告) 号` are one column. Amount columns take their unit from
the header (`合同金额(万元)` is in 万元, `合同金额` in 元). docs/import-formats.md is generated from
these tables (`patent-match import --formats`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from data.enums import (
    CooperationMode,
    FeeType,
    LicenseType,
    NeedStatus,
    OfferStatus,
    OrgKind,
    PatentType,
    TransactionKind,
)
from data.normalize import halfwidth

ValueKind = Literal[
    "text", "date", "amount", "int", "bool", "enum", "enums", "ipc", "ipc_list",
    "application_number", "application_numbers", "publication_number", "names", "ratio",
    "credit_code", "legal_status",
]


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    aliases: tuple[str, ...]
    kind: ValueKind = "text"
    required: bool = False
    max_chars: int = 500
    enum: type[StrEnum] | None = None


def fold_header(header: str) -> str:
    text = halfwidth(header).lower()
    text = text.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    return re.sub(r"[\s_\-:：*]+", "", text)


def _unitless(header: str) -> str:
    return re.sub(r"\((亿元|万元|元)\)$", "", fold_header(header))


@dataclass(frozen=True)
class ImportSchema:
    kind: str
    columns: tuple[Column, ...]

    def match_headers(self, headers: list[str]) -> tuple[dict[str, Column], list[str]]:
        """Map each header to its column; returns (header → column, unrecognised headers)."""
        lookup: dict[str, Column] = {}
        for column in self.columns:
            for alias in (column.field, column.label, *column.aliases):
                lookup.setdefault(_unitless(alias), column)
        matched: dict[str, Column] = {}
        unknown: list[str] = []
        taken: dict[str, str] = {}
        for header in headers:
            column = lookup.get(_unitless(header))
            if column is None:
                if header:
                    unknown.append(header)
                continue
            if column.field in taken:  # e.g. both 申请人 and 专利权人: the first one wins
                unknown.append(header)
                continue
            taken[column.field] = header
            matched[header] = column
        return matched, unknown

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


ORGS = ImportSchema("orgs", (
    Column("name", "单位名称", ("名称", "机构名称", "企业名称", "organization", "org"), required=True, max_chars=200),
    Column("kind", "单位类型", ("类型", "机构类型", "企业类型", "type"), "enum", enum=OrgKind),
    Column("credit_code", "统一社会信用代码", ("信用代码", "uscc"), "credit_code"),
    Column("city", "城市", ("所在城市", "地市", "所在地市"), max_chars=50),
    Column("province", "省份", ("所在省份", "省", "省市"), max_chars=50),
    Column("industry", "所属行业", ("行业", "产业", "产业领域"), max_chars=100),
    Column("contact_email", "联系邮箱", ("电子邮箱", "邮箱", "email", "contact email"), max_chars=200),
))

PATENTS = ImportSchema("patents", (
    Column("application_number", "申请号", ("专利申请号", "申请号码", "专利号", "application number",
                                            "applicationno", "appno"), "application_number", required=True),
    Column("publication_number", "公开(公告)号", ("公开号", "公告号", "授权公告号", "公开公告号",
                                                 "publication number", "pubno"), "publication_number"),
    Column("patent_type", "专利类型", ("类型", "申请类型", "type"), "enum", enum=PatentType),
    Column("title", "名称", ("标题", "发明名称", "专利名称", "标题(中文)"), required=True),
    Column("abstract", "摘要", ("摘要(中文)", "中文摘要"), max_chars=20_000),
    Column("first_claim", "主权项", ("首项权利要求", "权利要求1", "独立权利要求", "first claim", "claim"),
           max_chars=100_000),
    Column("ipc", "IPC分类号", ("ipc", "分类号", "国际专利分类号", "ipc codes"), "ipc_list", max_chars=2000),
    Column("main_ipc", "主分类号", ("ipc主分类号", "主ipc", "ipc主分类", "main ipc"), "ipc"),
    Column("holders", "申请(专利权)人", ("申请人", "专利权人", "当前权利人", "权利人", "当前申请(专利权)人",
                                        "applicants", "assignee", "holders"), "names", required=True,
           max_chars=2000),
    Column("application_date", "申请日", ("申请日期", "application date", "filing date"), "date",
           required=True),
    Column("grant_date", "授权日", ("授权公告日", "授权日期", "grant date"), "date"),
    Column("legal_status", "法律状态", ("当前法律状态", "法律状态/事件", "简单法律状态", "legal status", "status"),
           "legal_status", required=True),
    # Dated entries (incoPat/PatSnap 法律事件, CNIPA 法律状态公告); transfers become ledger events (data/legal_status.py)
    Column("legal_events", "法律事件", ("法律信息", "法律状态信息", "法律事件信息", "legal events"), max_chars=100_000),
    Column("publicly_funded", "是否财政资助", ("财政资助", "财政资助项目", "publicly funded"), "bool"),
    Column("claim_count", "权利要求数量", ("权利要求数", "权利要求项数", "claims count"), "int"),
    Column("cited_by_count", "被引证次数", ("被引用次数", "被引次数", "cited by"), "int"),
    Column("family_size", "同族数量", ("简单同族数量", "同族专利数量", "family size"), "int"),
    Column("annual_fee_paid_until", "年费缴至", ("年费缴纳至", "fee paid until"), "date"),
    Column("has_evaluation_report", "专利权评价报告", ("评价报告", "evaluation report"), "bool"),
    Column("right_suspended", "权利中止", ("中止", "suspended"), "bool"),
    # PCT and foreign filings (programme indicators). A row with either cell filled states its family, as a
    # worldwide export does: a blank PCT申请号 beside a 国别 means none; foreign patents are rows (US17123456 …).
    Column("jurisdiction", "国别", ("受理局", "申请地", "国家/地区", "申请国别", "公开国别", "jurisdiction", "country"),
           max_chars=20),
    Column("pct_number", "PCT申请号", ("PCT国际申请号", "国际申请号", "PCT申请号码", "pct number",
                                      "pct application number"), max_chars=40),
))

NEEDS = ImportSchema("needs", (
    Column("external_id", "需求编号", ("编号", "need id", "id"), max_chars=64),
    Column("title", "需求名称", ("标题", "名称", "需求标题"), required=True, max_chars=300),
    Column("text", "需求描述", ("需求内容", "技术需求", "描述", "需求详情", "description"), required=True,
           max_chars=20_000),
    Column("organization", "需求方", ("发布单位", "企业名称", "单位名称", "需求单位", "organization"),
           "names", required=True, max_chars=200),
    Column("org_kind", "单位类型", ("企业类型", "需求方类型"), "enum", enum=OrgKind),
    Column("industry", "所属行业", ("行业", "产业领域", "技术领域"), max_chars=100),
    Column("city", "城市", ("所在城市", "地市"), max_chars=50),
    Column("province", "省份", ("所在省份", "省"), max_chars=50),
    Column("budget", "预算", ("预算金额", "投入预算", "budget"), "amount"),
    Column("deadline", "截止日期", ("需求截止日期", "有效期至", "deadline"), "date"),
    Column("cooperation_modes", "合作方式", ("意向合作方式", "cooperation", "cooperation modes"), "enums",
           enum=CooperationMode),
    Column("status", "状态", ("需求状态",), "enum", enum=NeedStatus),
    Column("is_challenge", "揭榜挂帅", ("是否揭榜挂帅", "challenge"), "bool"),
    Column("reward", "榜单金额", ("悬赏金额", "揭榜金额", "奖励金额", "reward"), "amount"),
    Column("challenge_deadline", "揭榜截止日期", ("榜单截止日期", "challenge deadline"), "date"),
    Column("conditions", "揭榜条件", ("揭榜要求", "conditions"), max_chars=5000),
))

TRANSACTIONS = ImportSchema("transactions", (
    Column("external_id", "合同编号", ("编号", "登记号", "contract no"), max_chars=64),
    Column("kind", "交易类型", ("类型", "运营类型", "kind"), "enum", required=True, enum=TransactionKind),
    Column("application_numbers", "申请号", ("专利申请号", "涉及专利", "专利号", "application numbers"),
           "application_numbers", required=True, max_chars=5000),
    Column("from_party", "出让方", ("让与人", "转让人", "许可人", "出质人", "转让方", "许可方", "from"),
           "names", required=True, max_chars=200),
    Column("to_party", "受让方", ("受让人", "被许可人", "质权人", "被许可方", "to"), "names",
           required=True, max_chars=200),
    Column("from_kind", "出让方类型", ("许可方类型", "转让方类型"), "enum", enum=OrgKind),
    Column("to_kind", "受让方类型", ("被许可方类型",), "enum", enum=OrgKind),
    Column("license_type", "许可类型", ("许可种类", "license type"), "enum", enum=LicenseType),
    Column("contract_amount", "合同金额", ("交易金额", "融资金额", "质押金额", "contract amount"), "amount"),
    Column("received_amount", "到账金额", ("实际到账金额", "实收金额", "received amount"), "amount"),
    Column("excess_note", "超额说明", ("到账超额说明", "excess note"), max_chars=2000),
    Column("signed_on", "签订日期", ("合同签订日", "生效日期", "合同日期", "signed on", "date"), "date",
           required=True),
    Column("recorded_on", "备案日期", ("登记日期", "备案日", "recorded on"), "date"),
    Column("licensee_is_sme", "受让方是否中小企业", ("是否中小企业", "licensee is sme"), "bool"),
    Column("note", "备注", ("说明", "note"), max_chars=2000),
))

OFFERS = ImportSchema("offers", (
    Column("application_number", "申请号", ("专利申请号", "专利号"), "application_number", required=True),
    Column("fee_type", "费用类型", ("许可费类型", "计费方式", "fee type"), "enum", required=True, enum=FeeType),
    Column("lump_sum", "一次性许可费", ("许可使用费", "入门费", "lump sum"), "amount"),
    Column("royalty_rate", "提成比例", ("提成费率", "royalty rate"), "ratio"),
    Column("per_unit_fee", "按件费用", ("每件费用", "per unit fee"), "amount"),
    Column("payment_method", "支付方式", ("付款方式", "payment method"), max_chars=1000),
    Column("term_start", "许可期限起", ("起始日期", "term start"), "date", required=True),
    Column("term_end", "许可期限止", ("终止日期", "term end"), "date", required=True),
    Column("pay_later_months", "先使用后付费(月)", ("先用后付月数", "pay later months"), "int"),
    Column("declared_on", "声明日期", ("发布日期", "declared on"), "date", required=True),
    Column("status", "状态", ("offer status",), "enum", enum=OfferStatus),
))

SCHEMAS: dict[str, ImportSchema] = {s.kind: s for s in (ORGS, PATENTS, NEEDS, TRANSACTIONS, OFFERS)}


# National indicators 3 and 4 (data/enterprise.py): enterprises' yearly figures, 专利产品备案 records and
# patents put to use. The organisations named must already be on the platform (import orgs first).
ENTERPRISE_YEARS = ImportSchema("enterprise_years", (
    Column("organization", "单位名称", ("企业名称", "名称", "统计单位", "organization"), required=True, max_chars=200),
    Column("year", "年度", ("年份", "统计年度", "year"), "int", required=True),
    Column("revenue", "营业收入", ("营业总收入", "年营业收入", "revenue"), "amount"),
    Column("employees", "从业人数", ("从业人员", "年末从业人数", "职工人数", "员工人数", "employees"), "int"),
    # The programme profile (data/programmes); a blank cell means not reported, which a criterion reads as unknown.
    Column("rd_spending", "研发投入", ("研发费用", "研究开发费用", "R&D投入", "rd spending"), "amount"),
    Column("profit_tax", "利税总额", ("利税", "利润和税金", "profit and tax"), "amount"),
    Column("high_tech", "高新技术企业", ("是否高新技术企业", "高企", "high tech"), "bool"),
    Column("specialized", "专精特新", ("是否专精特新", "专精特新企业", "specialized"), "bool"),
    Column("ip_certified", "知识产权贯标", ("知识产权管理规范贯标", "贯标", "是否贯标", "ip certified"), "bool"),
    Column("dishonest", "严重失信", ("严重失信记录", "是否严重失信", "dishonest"), "bool"),
    Column("abnormal_applications", "非正常申请", ("非正常专利申请", "非正常申请件数", "abnormal applications"),
           "int"),
    Column("source", "数据来源", ("来源", "source"), max_chars=500),
))

PRODUCT_FILINGS = ImportSchema("product_filings", (
    Column("external_id", "备案编号", ("备案号", "产品备案编号", "filing no"), required=True, max_chars=64),
    Column("organization", "备案单位", ("备案企业", "企业名称", "单位名称", "organization"), required=True,
           max_chars=200),
    Column("product", "产品名称", ("产品", "专利产品名称", "product"), required=True, max_chars=300),
    Column("application_numbers", "专利申请号", ("申请号", "专利号", "涉及专利", "application numbers"),
           "application_numbers", required=True, max_chars=5000),
    Column("filed_on", "备案日期", ("备案日", "filed on"), "date", required=True),
    Column("output_value", "产值", ("年产值", "产品产值", "output value"), "amount"),
    Column("output_year", "产值年度", ("产值年份", "output year"), "int"),
))

IMPLEMENTATIONS = ImportSchema("implementations", (
    Column("application_number", "申请号", ("专利申请号", "专利号", "application number"), "application_number",
           required=True),
    Column("organization", "实施单位", ("实施主体", "实施企业", "单位名称", "organization"), required=True,
           max_chars=200),
    Column("self_implemented", "是否自行实施", ("自行实施", "self implemented"), "bool"),
    Column("started_on", "开始日期", ("实施开始日期", "开始实施日期", "started on"), "date", required=True),
    Column("ended_on", "结束日期", ("实施结束日期", "终止实施日期", "ended on"), "date"),
    Column("evidence", "证明材料", ("证明", "佐证材料", "evidence"), max_chars=2000),
))

SCHEMAS.update({s.kind: s for s in (ENTERPRISE_YEARS, PRODUCT_FILINGS, IMPLEMENTATIONS)})
