"""An import template for each kind: an XLSX workbook with the Chinese headers of data/imports/schemas.py and
one example row, so it stays in step with what the importer reads.

Sheet 1 (what is imported): the headers, required ones marked * (the importer folds the mark away), and an
example row to overwrite. Sheet 2 (填写说明): each column's type, whether it is required, its allowed values
and the other spellings its header may take.
"""

from __future__ import annotations

import io

from data.enums import label
from data.imports.schemas import SCHEMAS, Column, ImportSchema

# The example row: values that import as they stand (a patents file first, then its offers), so filling the
# template in starts from something valid. Keyed by (kind, field), then by field for every kind.
EXAMPLES: dict[tuple[str, str] | str, str] = {
    ("patents", "application_number"): "202410123456.0",
    ("patents", "title"): "一种储能电池簇的主动均衡控制方法",
    ("patents", "holders"): "示例大学",
    ("patents", "legal_status"): "有效",
    ("offers", "application_number"): "202410123456.0",
    ("orgs", "name"): "示例大学",
    ("orgs", "kind"): "高校",
    ("implementations", "application_number"): "202410123456.0",
    ("transactions", "kind"): "许可",
    ("needs", "organization"): "示例科技有限公司",
    ("needs", "status"): "开放",
    ("transactions", "application_numbers"): "202410123456.0",
    ("transactions", "from_party"): "示例大学",
    ("transactions", "to_party"): "示例科技有限公司",
    ("transactions", "license_type"): "普通许可",
    ("enterprise_years", "organization"): "示例科技有限公司",
    ("product_filings", "organization"): "示例科技有限公司",
    ("product_filings", "application_numbers"): "202410123456.0",
    ("implementations", "organization"): "示例科技有限公司",
    "patent_type": "发明",
    "abstract": "本发明公开了一种储能电池簇的主动均衡控制方法，……",
    "main_ipc": "H02J7/00",
    "ipc": "H02J7/00; H01M10/44",
    "application_date": "2024-03-15",
    "grant_date": "2025-06-20",
    "publicly_funded": "是",
    "fee_type": "一次性",
    "lump_sum": "50000",
    "payment_method": "合同签订后一次付清",
    "term_start": "2027-01-01",
    "term_end": "2029-12-31",
    "declared_on": "2026-12-01",
    "external_id": "EX-0001",
    "title": "储能电站电池一致性差",
    "text": "运行两年后电池簇内单体电压差变大，希望引进主动均衡技术。",
    "industry": "储能",
    "city": "南京",
    "province": "江苏省",
    "budget": "800000",
    "cooperation_modes": "许可; 合作开发",
    "contract_amount": "250000",
    "signed_on": "2026-11-01",
    "year": "2025",
    "revenue": "12000000",
    "employees": "80",
    "product": "储能电池管理系统",
    "filed_on": "2026-11-01",
    "started_on": "2026-11-01",
}


KIND_NAMES = {"text": "文字", "date": "日期（如 2026-12-31）", "amount": "金额", "int": "整数", "bool": "是/否",
              "enum": "选项", "enums": "选项（多个用分号分隔）", "ipc": "IPC 分类号",
              "ipc_list": "IPC 分类号（多个用分号分隔）",
              "application_number": "申请号", "application_numbers": "申请号（多个用分号分隔）",
              "publication_number": "公开(公告)号", "names": "名称（多个用分号分隔）", "ratio": "比例（如 5%）",
              "credit_code": "统一社会信用代码", "legal_status": "法律状态"}


def header(column: Column) -> str:
    return f"{column.label}*" if column.required else column.label


def example(schema: ImportSchema, column: Column, holder: str | None = None) -> str:
    if holder and column.field in ("holders", "from_party", "name") and schema.kind in ("patents", "orgs"):
        return holder  # a TTO's template names its own organisation, as its rows must
    return EXAMPLES.get((schema.kind, column.field), EXAMPLES.get(column.field, ""))


def allowed_values(column: Column) -> str:
    if column.enum is None:
        return ""
    return "、".join(label(member) for member in column.enum)


def workbook(kind: str, holder: str | None = None) -> bytes:
    """The template for `kind` as XLSX bytes; `holder` (a TTO's organisation) fills its name in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    schema = SCHEMAS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = "导入数据"
    sheet.append([header(c) for c in schema.columns])
    sheet.append([example(schema, c, holder) for c in schema.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(schema.columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, min(40, len(column.label) * 3))
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "必填", "类型", "可选值", "表头也可写作"])
    for column in schema.columns:
        notes.append([column.label, "是" if column.required else "否", KIND_NAMES.get(column.kind, "文字"),
                      allowed_values(column),
                      "、".join(column.aliases)])
    notes.append([])
    notes.append(["第一张表的第 2 行是示例，请改成实际数据后上传；带 * 的列为必填，"
                  "金额单位为元（表头写“(万元)”则为万元）。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
