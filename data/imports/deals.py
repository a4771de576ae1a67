"""Transactions (转让/许可/作价入股/质押) and open-licence offers: both refer to known patents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import deals
from data.enums import FeeType, OfferStatus, OrgKind, label
from data.imports.common import ImportContext, OrgResolver, ParsedRow, WriteCounts, assign, duplicate_errors
from data.imports.deal_checks import MUTABLE, deal_row_errors, stored_deals, update_errors
from data.imports.errors import ImportRejected, RowError
from data.licensing import offer_refusals
from data.models import LicenseOffer, Patent, Transaction
from data.sleeping import refresh_sleeping


def _patents_by_number(session: Session, numbers: set[str]) -> dict[str, Patent]:
    found: dict[str, Patent] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 500):
        query = select(Patent).where(Patent.application_number.in_(ordered[start : start + 500]))
        found.update({p.application_number: p for p in session.scalars(query)})
    return found


class TransactionsHandler:
    FIELDS = ("kind", "license_type", "contract_amount", "received_amount", "signed_on", "recorded_on",
              "licensee_is_sme", "note", "excess_note")

    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        path = ctx.path
        errors = duplicate_errors(rows, path, "external_id", lambda r: r.values.get("external_id"), "合同编号")
        wanted = {n for r in rows for n in r.values.get("application_numbers", [])}
        known = _patents_by_number(session, wanted)
        for row in rows:
            v = row.values
            missing = [n for n in v.get("application_numbers", []) if n not in known]
            if missing:
                errors.append(row.error(path, "application_numbers",
                                        f"no patent with 申请号 {', '.join(missing)}; import the patents first"))
            for party in ("from_party", "to_party"):
                if len(v.get(party, [])) > 1:
                    errors.append(row.error(path, party, "name exactly one party"))
            if v.get("from_party") and v.get("from_party") == v.get("to_party"):
                errors.append(row.error(path, "to_party", "is the same organisation as the other party"))
        stored = stored_deals(session, rows, known)
        errors += update_errors(rows, stored, ctx)
        return errors + deal_row_errors(session, rows, known, ctx, {e.row for e in errors} | set(stored))

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        counts = WriteCounts()
        orgs = OrgResolver(session)
        patents = _patents_by_number(session, {n for r in rows for n in r.values["application_numbers"]})
        stored = stored_deals(session, rows, patents)
        created = []
        for row in rows:
            v = row.values
            deal = stored.get(row.number)
            if deal is not None:  # only what PATCH /transactions may change, under the same rules
                changes = {name: v[name] for name in MUTABLE if name in v and v[name] != getattr(deal, name)}
                try:
                    deals.update(session, deal, changes, ctx.today, ctx.actor)
                except deals.DealRefused as exc:
                    raise ImportRejected(ctx.path, [row.error(ctx.path, p.field, p.message) for p in exc.problems],
                                         len(rows)) from None
                counts.updated += 1
                continue
            deal = Transaction(external_id=v.get("external_id"))
            deal.from_org = orgs.get(v["from_party"][0], v.get("from_kind"))
            deal.to_org = orgs.get(v["to_party"][0], v.get("to_kind"))
            assign(deal, v, self.FIELDS)
            if "licensee_is_sme" not in v:
                deal.licensee_is_sme = deal.to_org.kind is OrgKind.SME
            deal.patents = [patents[n] for n in dict.fromkeys(v["application_numbers"])]
            session.add(deal)
            created.append(deal)
            counts.created += 1
        session.flush()
        for deal in sorted(created, key=lambda d: (d.signed_on, d.id)):  # the file's own chains, in date order
            deals.after_move(session, deal, ctx.actor)
        counts.extra["sleeping"] = refresh_sleeping(session, ctx.today)
        return counts


class OffersHandler:
    FIELDS = ("fee_type", "lump_sum", "royalty_rate", "per_unit_fee", "payment_method", "term_start",
              "term_end", "pay_later_months", "declared_on", "status")
    # Which amount each fee standard needs.
    FEE_FIELDS = {FeeType.LUMP_SUM: "lump_sum", FeeType.ROYALTY: "royalty_rate", FeeType.PER_UNIT: "per_unit_fee"}

    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        path = ctx.path
        errors = duplicate_errors(rows, path, "application_number",
                                  lambda r: (r.values.get("application_number"), r.values.get("declared_on")),
                                  "offer for this patent and date")
        known = _patents_by_number(session, {r.values["application_number"] for r in rows
                                             if "application_number" in r.values})
        for row in rows:
            v = row.values
            patent = known.get(v.get("application_number", ""))
            if "application_number" in v and patent is None:
                errors.append(row.error(path, "application_number", "no such patent; import the patents first"))
            elif patent is not None and patent.jurisdiction != "CN":  # 专利法第五十条: CNIPA's open licensing
                errors.append(row.error(path, "application_number", f"{patent.application_number} 是境外专利"
                                        f"（{patent.jurisdiction}），开放许可只适用于中国专利"))
            fee = v.get("fee_type")
            needed = self.FEE_FIELDS.get(fee) if fee else None
            if needed and needed not in v:
                errors.append(row.error(path, needed, f"required when the fee standard is {label(fee)}"))
            if fee is FeeType.FREE and any(f in v for f in self.FEE_FIELDS.values()):
                errors.append(row.error(path, "fee_type", "免费 (free) offers carry no fee amounts"))
            start, end = v.get("term_start"), v.get("term_end")
            if start and end and end <= start:
                errors.append(row.error(path, "term_end", "must be after the start of the term"))
            if patent is not None:
                declared = v.get("declared_on")
                if declared and (patent.grant_date is None or declared < patent.grant_date):
                    errors.append(row.error(path, "declared_on", f"is before the patent was granted "
                                            f"({patent.grant_date or 'not granted'})"))
                if end and declared:  # the same eligibility rules as a declaration through the API or web
                    errors += [row.error(path, "term_end" if "第四十二条" in r.rule else "application_number",
                                         f"{r.reason}（{r.rule}）")
                               for r in offer_refusals(patent, end, declared, bool(v.get("pledgee_consent")))]
        return errors

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        today = ctx.today
        counts = WriteCounts()
        patents = _patents_by_number(session, {r.values["application_number"] for r in rows})
        existing = {(o.patent_id, o.declared_on): o for o in session.scalars(select(LicenseOffer))}
        for row in rows:
            v = row.values
            patent = patents[v["application_number"]]
            offer = existing.get((patent.id, v["declared_on"]))
            if offer is None:
                offer = LicenseOffer(patent=patent, status=OfferStatus.ACTIVE)
                session.add(offer)
                counts.created += 1
            else:
                counts.updated += 1
            assign(offer, v, self.FIELDS)
            if offer.status is OfferStatus.WITHDRAWN and offer.withdrawn_on is None:
                offer.withdrawn_on = today
        return counts
