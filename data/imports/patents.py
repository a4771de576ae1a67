"""Patents: validated against their own numbers and dates, upserted on 申请号."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data import ledger
from data.enums import LegalStatus, OwnershipEventKind
from data.imports.common import (
    ImportContext,
    OrgResolver,
    ParsedRow,
    WriteCounts,
    assign,
    duplicate_errors,
    sync_children,
)
from data.imports.errors import RowError
from data.models import Patent, PatentHolder, PatentIPC
from data.normalize import patent_type_from_application_number
from data.sleeping import refresh_sleeping


class PatentsHandler:
    FIELDS = ("publication_number", "title", "abstract", "first_claim", "application_date", "grant_date",
              "legal_status", "claim_count", "cited_by_count", "family_size", "annual_fee_paid_until",
              "has_evaluation_report", "right_suspended")

    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        path, today = ctx.path, ctx.today
        errors = duplicate_errors(rows, path, "application_number",
                                  lambda r: r.values.get("application_number"), "申请号")
        for row in rows:
            v = row.values
            number = v.get("application_number")
            implied = patent_type_from_application_number(number) if number else None
            if "patent_type" not in v and implied is None and number:
                errors.append(row.error(path, "application_number", "the patent type cannot be read from "
                                        "this number; add a 专利类型 column"))
            if "patent_type" in v and implied is not None and v["patent_type"] != implied:
                errors.append(row.error(path, "patent_type", f"says {v['patent_type'].value} but 申请号 "
                                        f"{number} is a {implied.value} number"))
            filed, granted = v.get("application_date"), v.get("grant_date")
            if filed and filed > today:
                errors.append(row.error(path, "application_date", f"{filed} is in the future"))
            if filed and granted and granted < filed:
                errors.append(row.error(path, "grant_date", f"{granted} is before the 申请日 {filed}"))
            if granted and v.get("legal_status") == LegalStatus.PENDING:
                errors.append(row.error(path, "legal_status", "审中 (pending) but a 授权日 is given"))
            main, codes = v.get("main_ipc"), v.get("ipc")
            if main and codes and main not in codes and main[:4] not in [c[:4] for c in codes]:
                errors.append(row.error(path, "main_ipc", f"{main} is not among the IPC codes {codes}"))
        return errors + self.holder_errors(session, rows, ctx)

    @staticmethod
    def holder_errors(session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        """An import never changes who holds an existing patent: that takes a transfer or equity deal, or
        an operator's correction (`correct_holders`, with a reason). A TTO touches its own patents only."""
        numbers = [r.values["application_number"] for r in rows if "application_number" in r.values]
        current = _current_holders(session, numbers)
        errors = []
        for row in rows:
            held = current.get(row.values.get("application_number"))
            if held is None:
                continue
            shown = "、".join(held) or "（无）"
            if ctx.holder is not None and ctx.holder not in held:
                errors.append(row.error(ctx.path, "application_number", f"该专利的权利人为{shown}，不是{ctx.holder}"
                                        "的专利；机构只能导入本机构的专利"))
            elif ctx.correct_holders is None and set(row.values.get("holders", held)) != set(held):
                errors.append(row.error(ctx.path, "holders", f"与登记簿不符（登记簿显示权利人为{shown}）；导入不改变"
                                        "已有专利的权利人：请登记转让或作价入股，或由运营人员以著录项目变更更正"
                                        "（patent-match import --correct-holders 理由）"))
        return errors

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        today = ctx.today
        counts = WriteCounts()
        orgs = OrgResolver(session)
        numbers = [r.values["application_number"] for r in rows]
        existing: dict[str, Patent] = {}
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            query = select(Patent).where(Patent.application_number.in_(chunk)).options(
                selectinload(Patent.ipcs), selectinload(Patent.holders))
            existing.update({p.application_number: p for p in session.scalars(query)})
        for row in rows:
            v = row.values
            patent = existing.get(v["application_number"])
            created = patent is None
            if created:
                patent = Patent(application_number=v["application_number"])
                session.add(patent)
                counts.created += 1
            else:
                counts.updated += 1
            patent.patent_type = v.get("patent_type") or patent_type_from_application_number(v["application_number"])
            assign(patent, v, self.FIELDS)
            codes = v.get("ipc") or ([v["main_ipc"]] if "main_ipc" in v else None)
            if codes is not None:
                main = v.get("main_ipc") or codes[0]
                if main not in codes:  # main given at subclass/group level of a listed code
                    codes = [main, *codes]
                patent.main_ipc = main
                wanted = [PatentIPC(code=c, subclass=c[:4], is_main=c == main, position=i)
                          for i, c in enumerate(codes)]
                patent.ipcs = sync_children(patent.ipcs, wanted, lambda x: x.code, _copy_ipc)
            holders = list(dict.fromkeys(orgs.get(name) for name in v["holders"]))
            if created:  # the application / grant record opens the patent's ledger
                ledger.record(session, patent, OwnershipEventKind.RECORD, patent.application_date, holders,
                              evidence=ctx.evidence(row), actor=ctx.actor, first=True)
            elif ctx.correct_holders is not None and [h.organization for h in patent.holders] != holders:
                ledger.record(session, patent, OwnershipEventKind.CORRECTION, ctx.today, holders,
                              evidence=ctx.evidence(row), reason=ctx.correct_holders, actor=ctx.actor)
        session.flush()
        counts.extra["sleeping"] = refresh_sleeping(session, today)
        return counts


def _copy_ipc(old: PatentIPC, new: PatentIPC) -> None:
    old.is_main, old.position = new.is_main, new.position


def _current_holders(session: Session, numbers: list[str]) -> dict[str, list[str]]:
    """Holders of the stored patents among `numbers`, by 申请号, in the ledger's order."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(numbers), 500):
        query = (select(Patent).where(Patent.application_number.in_(numbers[start : start + 500]))
                 .options(selectinload(Patent.holders).selectinload(PatentHolder.organization)))
        found.update({p.application_number: [h.organization.name for h in p.holders] for p in session.scalars(query)})
    return found
