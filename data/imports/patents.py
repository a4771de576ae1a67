"""Patents: validated against their own numbers and dates, upserted on 申请号.

The 法律状态 cell is read by data/legal_status.py: the raw text is kept on the patent, and a status it
cannot read flags the patent for review instead of refusing the file (an existing patent keeps its
stored state, a new one starts PENDING). A 法律事件 cell's 专利权的转移 entries become ledger events
(`OwnershipEventKind.LEGAL_EVENT`) in an operator's import, by `plan_transfers`' rule; a TTO's upload
never moves holders, so there they stay in the raw text with a row warning."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
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
from data.imports.values import country, jurisdiction_of, pct_number, pct_year
from data.legal_status import EventsReading, StatusReading, TransferPlan, plan_transfers, read_events
from data.models import OwnershipEvent, OwnershipEventHolder, Patent, PatentHolder, PatentIPC
from data.normalize import patent_type_from_application_number
from data.sleeping import refresh_sleeping


class PatentsHandler:
    FIELDS = ("publication_number", "title", "abstract", "first_claim", "application_date", "grant_date",
              "claim_count", "cited_by_count", "family_size", "annual_fee_paid_until",
              "has_evaluation_report", "right_suspended", "publicly_funded")

    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        path, today = ctx.path, ctx.today
        errors = duplicate_errors(rows, path, "application_number",
                                  lambda r: r.values.get("application_number"), "申请号")
        for row in rows:
            v = row.values
            number = v.get("application_number")
            errors += _family_errors(row, path, today)
            if number and jurisdiction_of(number) != "CN":
                if "patent_type" not in v:
                    errors.append(row.error(path, "patent_type", "境外专利的类型不能从申请号看出，请填写专利类型"
                                            "（发明 / 实用新型 / 外观设计）"))
                number = None  # the CNIPA checks below read a CNIPA number
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
            reading: StatusReading | None = v.get("legal_status")
            if granted and reading is not None and reading.status is LegalStatus.PENDING:
                errors.append(row.error(path, "legal_status", "审中 (pending) but a 授权日 is given"))
            main, codes = v.get("main_ipc"), v.get("ipc")
            if main and codes and main not in codes and main[:4] not in [c[:4] for c in codes]:
                errors.append(row.error(path, "main_ipc", f"{main} is not among the IPC codes {codes}"))
        holder_errors = self.holder_errors(session, rows, ctx)
        if ctx.holder is None:  # an operator's export whose 法律事件 explain the new holders is not a conflict
            plans = _existing_plans(session, rows)
            explained = {row.number: row.headers.get("holders", "holders") for row in rows
                         if (plan := plans.get(row.number)) is not None and plan.record
                         and set(plan.holders) == set(row.values.get("holders", ()))}
            holder_errors = [e for e in holder_errors if explained.get(e.row) != e.column]
        return errors + holder_errors

    @staticmethod
    def holder_errors(session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        """An import never changes who holds an existing patent: that takes a transfer or equity deal, or
        an operator's correction (`correct_holders`, with a reason). A TTO touches its own patents only."""
        numbers = [r.values["application_number"] for r in rows if "application_number" in r.values]
        current, earlier = _ledger_holders(session, numbers)
        errors = []
        for row in rows:
            number = row.values.get("application_number")
            held = current.get(number)
            if held is None:
                continue
            shown = "、".join(held) or "（无）"
            named = frozenset(row.values.get("holders", held))
            if ctx.holder is not None and ctx.holder not in held:
                errors.append(row.error(ctx.path, "application_number", f"该专利的权利人为{shown}，不是{ctx.holder}"
                                        "的专利；机构只能导入本机构的专利"))
            # An older export names the holders of an earlier ledger entry (the demo's patents.csv after its
            # transfers, a re-import of last year's file): the ledger stays as it is and the row is no error.
            elif ctx.correct_holders is None and named != frozenset(held) and named not in earlier[number]:
                errors.append(row.error(ctx.path, "holders", f"与登记簿不符（登记簿显示权利人为{shown}）；导入不改变"
                                        "已有专利的权利人：请登记转让或作价入股，或由运营人员以著录项目变更更正"
                                        "（patent-match import --correct-holders 理由）"))
        return errors

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        today = ctx.today
        counts = WriteCounts()
        orgs = OrgResolver(session)
        numbers = [r.values["application_number"] for r in rows]
        plans = _existing_plans(session, rows) if ctx.holder is None else {}
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
                counts.created_keys.append(patent.application_number)
            else:
                counts.updated += 1
            patent.patent_type = v.get("patent_type") or patent_type_from_application_number(v["application_number"])
            assign(patent, v, self.FIELDS)
            patent.jurisdiction = jurisdiction_of(patent.application_number)
            if "jurisdiction" in v or "pct_number" in v:  # the row states its family: a blank PCT申请号 means none
                patent.family_reported = True
                patent.pct_number = pct_number(v["pct_number"]) if "pct_number" in v else None
            reading: StatusReading = v["legal_status"]
            patent.legal_status_raw = reading.raw[:500]  # the column is String(500); an export cell is shorter
            patent.legal_status_review = reading.review
            patent.legal_status = reading.status or (LegalStatus.PENDING if created else patent.legal_status)
            counts.extra["legal_status_review"] = counts.extra.get("legal_status_review", 0) + reading.review
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
            events = read_events(v["legal_events"]) if "legal_events" in v else None
            warnings = [f"法律事件：{p}" for p in events.problems] if events else []
            plan = None
            if events is not None and events.transfers and ctx.holder is not None:
                warnings.append("法律事件：机构导入不登记权利转移（登记簿不变），请由运营人员导入")
            elif events is not None and events.transfers:
                plan = _new_plan(events, v["holders"], patent.application_date) if created else plans.get(row.number)
                warnings += [f"法律事件：{p}" for p in plan.problems] if plan is not None else []
            if created:  # the application / grant record opens the patent's ledger
                opening = holders
                if plan is not None and plan.record:  # the export names today's holders; the ledger starts earlier
                    opening = [orgs.get(name) for name in plan.record[0].before]
                ledger.record(session, patent, OwnershipEventKind.RECORD, patent.application_date, opening,
                              evidence=ctx.evidence(row), actor=ctx.actor, first=True)
            for event in plan.record if plan is not None else ():
                session.flush()
                ledger.record(session, patent, OwnershipEventKind.LEGAL_EVENT, event.effective_on,
                              [orgs.get(name) for name in event.after], actor=ctx.actor,
                              evidence=f"{ctx.evidence(row)} 法律事件 {event.published_on} {event.name}")
                counts.extra["legal_events"] = counts.extra.get("legal_events", 0) + 1
            counts.warnings += [row.error(ctx.path, "legal_events", w) for w in warnings]
            if not created and ctx.correct_holders is not None and _corrects(patent, holders):
                ledger.record(session, patent, OwnershipEventKind.CORRECTION, ctx.today, holders,
                              evidence=ctx.evidence(row), reason=ctx.correct_holders, actor=ctx.actor)
        session.flush()
        counts.extra["sleeping"] = refresh_sleeping(session, today)
        return counts


def _family_errors(row: ParsedRow, path, today: dt.date) -> list[RowError]:  # noqa: ANN001
    """国别 must be the office of the 申请号 (and of the 公开号); a PCT application is filed in the year of the
    申请日 or the next (a national-phase entry's 申请日 is the international filing date; a Chinese first
    filing's PCT claims its priority within 12 months), and not in the future."""
    v, errors = row.values, []
    number = v.get("application_number")
    office = jurisdiction_of(number) if number else None
    if "jurisdiction" in v:
        try:
            stated = country(v["jurisdiction"])
        except ValueError as exc:
            errors.append(row.error(path, "jurisdiction", str(exc)))
        else:
            if office and stated != office:
                errors.append(row.error(path, "jurisdiction", f"国别为 {stated}，但申请号 {number} 是 {office} "
                                        "的申请号；国别须与申请号一致（境外专利的申请号带国别代码，如 US17123456）"))
    published = v.get("publication_number")
    if office and published and published[:2] != office:
        errors.append(row.error(path, "publication_number", f"公开号 {published} 与申请号 {number} 不是同一国家或地区"
                                "的专利"))
    if "pct_number" in v:
        try:
            pct = pct_number(v["pct_number"])
        except ValueError as exc:
            errors.append(row.error(path, "pct_number", str(exc)))
            return errors
        year, filed = pct_year(pct), v.get("application_date")
        if year > today.year:
            errors.append(row.error(path, "pct_number", f"{pct} 的申请年份 {year} 在将来"))
        elif filed and not filed.year <= year <= filed.year + 1:
            errors.append(row.error(path, "pct_number", f"{pct} 的申请年份为 {year}，申请日为 {filed}：PCT 申请须在"
                                    "申请日当年或次年提出（进入国家阶段的申请日即国际申请日；要求优先权的 PCT 申请在"
                                    " 12 个月内）"))
    return errors


def _new_plan(events: EventsReading, holders: list[str], filed: dt.date) -> TransferPlan:
    """A new patent's transfers. When the row's holders are the last entry's 变更后 holders (the export shows
    today's holder), the chain starts from the first entry's 变更前 holders and must end at the row's; else
    it starts from the row's holders (the export shows the applicants), as for a stored patent."""
    transfers = events.transfers
    if set(holders) != set(transfers[-1].after) or not transfers[0].before:
        return plan_transfers(transfers, tuple(holders), filed)
    plan = plan_transfers(transfers, transfers[0].before, filed)
    if set(plan.holders) != set(holders):
        return TransferPlan((), (*plan.problems, f"权利转移后的权利人{'、'.join(plan.holders)}与申请(专利权)人列"
                                                  f"（{'、'.join(holders)}）不一致，未登记"), tuple(holders))
    return plan


def _existing_plans(session: Session, rows: list[ParsedRow]) -> dict[int, TransferPlan]:
    """For rows about stored patents with 法律事件 transfers: the entries the ledger would take, by row number."""
    wanted = {}
    for row in rows:
        if "legal_events" in row.values and "application_number" in row.values:
            transfers = read_events(row.values["legal_events"]).transfers
            if transfers:
                wanted[row.values["application_number"]] = (row.number, transfers)
    plans: dict[int, TransferPlan] = {}
    numbers = list(wanted)
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        latest = dict(session.execute(select(Patent.application_number, func.max(OwnershipEvent.effective_on))
                                      .join(OwnershipEvent, OwnershipEvent.patent_id == Patent.id)
                                      .where(Patent.application_number.in_(chunk))
                                      .group_by(Patent.application_number)).all())
        for number, held in _current_holders(session, chunk).items():
            row_number, transfers = wanted[number]
            plans[row_number] = plan_transfers(transfers, tuple(held), latest.get(number))
    return plans


def _copy_ipc(old: PatentIPC, new: PatentIPC) -> None:
    old.is_main, old.position = new.is_main, new.position


def _ledger_holders(session: Session, numbers: list[str]) -> tuple[dict[str, list[str]], dict[str, set[frozenset]]]:
    """For the stored patents among `numbers`, by 申请号: the current holders in the ledger's order, and
    the holder sets of every ledger entry."""
    current: dict[str, list[str]] = {}
    earlier: dict[str, set[frozenset]] = {}
    for start in range(0, len(numbers), 500):
        query = (select(Patent).where(Patent.application_number.in_(numbers[start : start + 500]))
                 .options(selectinload(Patent.holders).selectinload(PatentHolder.organization),
                          selectinload(Patent.ownership_events).selectinload(OwnershipEvent.holders)
                          .selectinload(OwnershipEventHolder.organization)))
        for patent in session.scalars(query):
            current[patent.application_number] = [h.organization.name for h in patent.holders]
            earlier[patent.application_number] = {frozenset(h.organization.name for h in e.holders)
                                                  for e in patent.ownership_events}
    return current, earlier


def _corrects(patent: Patent, holders: list) -> bool:  # noqa: ANN001
    """A row corrects the holders when it names a set the ledger never had: the same set in another order
    changes nothing, and an older export's holders (an earlier entry) must not undo the transfers since."""
    named = {o.name for o in holders}
    if named == {h.organization.name for h in patent.holders}:
        return False
    return all(named != {h.organization.name for h in e.holders} for e in patent.ownership_events)


def _current_holders(session: Session, numbers: list[str]) -> dict[str, list[str]]:
    """The current holders of the stored patents among `numbers`, by 申请号, in the ledger's order."""
    return _ledger_holders(session, numbers)[0]
