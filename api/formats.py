"""The documented header mapping of every import kind, generated from the schemas."""

from __future__ import annotations

from data.imports.schemas import SCHEMAS

_TYPES = {
    "text": "text", "date": "date (2021-03-19, 2021.03.19, 2021年3月19日, 20210319)",
    "amount": "amount in 元; a header with (万元) or (亿元) sets the unit", "int": "whole number",
    "bool": "是/否, yes/no, 1/0", "enum": "one of", "enums": "a list (separated by ;) of",
    "ipc": "one IPC code", "ipc_list": "IPC codes separated by ; , | or 、",
    "application_number": "CN application number (check digit verified) or a foreign one with its office code "
                          "(US17123456)",
    "application_numbers": "application numbers separated by ;",
    "publication_number": "CN publication number, or a foreign one (US11234567B2)",
    "names": "names separated by ; or 、",
    "ratio": "rate, 5% or 0.05", "credit_code": "18-character unified social credit code",
    "legal_status": "有效 / 审中 / 失效 / 无效 and export variants",
}


def formats_markdown(kinds: list[str]) -> str:
    from data.enums import LABELS

    out = ["Headers are matched ignoring full-width forms, brackets, spaces and case. Columns not listed are "
           "ignored (and reported). Empty cells and -, —, 无, N/A mean 'no value'; on re-import an empty cell "
           "keeps the stored value."]
    for kind in kinds:
        schema = SCHEMAS[kind]
        out.append(f"\n## {kind}\n\n| field | header | also accepted | type | required |\n|---|---|---|---|---|")
        for c in schema.columns:
            kind_text = _TYPES[c.kind]
            if c.enum is not None:
                values = [m.value for m in c.enum] + [k for k, v in LABELS.get(c.enum, {}).items()]
                kind_text += ": " + ", ".join(values)
            out.append(f"| {c.field} | {c.label} | {', '.join(c.aliases)} | {kind_text} | "
                       f"{'yes' if c.required else ''} |")
    return "\n".join(out)
