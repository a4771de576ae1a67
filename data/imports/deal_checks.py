"""The deal rules of data/deals.py for a whole file of deals.

A new deal is checked against the ledger as it will stand after the file's earlier deals (by signing
date), so A→B then B→C in one file passes, and a seller who no longer holds the patent, or a transfer
dated before a later ledger event, is a row error before anything is written. A row that names a stored
deal (by 合同编号, else by its content) may change only what PATCH /transactions may change; its kind,
parties, patents, signing date, licence type and contract amount are fixed once recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data import deals, ledger
from data.imports.common import ImportContext, ParsedRow
from data.imports.errors import RowError
from data.models import Organization, Patent, Transaction, TransactionPatent

# What a re-imported row may change on a stored deal (as PATCH /transactions may), and what it may not.
MUTABLE = ("received_amount", "recorded_on", "note", "excess_note", "licensee_is_sme")
FIXED = ("kind", "license_type", "contract_amount", "signed_on")


def content_key(kind, signed_on, from_name, to_name, numbers) -> tuple:  # noqa: ANN001
    return (kind, signed_on, from_name, to_name, tuple(sorted(numbers)))


def stored_deals(session: Session, rows: list[ParsedRow], known: dict[str, Patent]) -> dict[int, Transaction]:
    """The stored deal each row names, by row number: by 合同编号, else (no 合同编号) by kind, date, parties
    and patents — the same matching the write uses."""
    numbers = sorted({r.values["external_id"] for r in rows if r.values.get("external_id")})
    by_external: dict[str, Transaction] = {}
    for start in range(0, len(numbers), 500):
        query = select(Transaction).where(Transaction.external_id.in_(numbers[start : start + 500]))
        by_external.update({d.external_id: d for d in session.scalars(query.options(
            selectinload(Transaction.patents)))})
    ids = sorted({known[n].id for r in rows if not r.values.get("external_id")
                  for n in r.values.get("application_numbers", []) if n in known})
    by_content: dict[tuple, Transaction] = {}
    for start in range(0, len(ids), 500):
        query = (select(Transaction).join(TransactionPatent).where(
            TransactionPatent.patent_id.in_(ids[start : start + 500]), Transaction.external_id.is_(None))
            .options(selectinload(Transaction.patents)).distinct())
        for d in session.scalars(query):
            by_content[content_key(d.kind, d.signed_on, d.from_org.name, d.to_org.name,
                                   [p.application_number for p in d.patents])] = d
    found = {}
    for row in rows:
        v = row.values
        if v.get("external_id"):
            deal = by_external.get(v["external_id"])
        elif _complete(row, known):
            deal = by_content.get(content_key(v["kind"], v["signed_on"], v["from_party"][0], v["to_party"][0],
                                              v["application_numbers"]))
        else:
            deal = None
        if deal is not None:
            found[row.number] = deal
    return found


def update_errors(rows: list[ParsedRow], stored: dict[int, Transaction], ctx: ImportContext) -> list[RowError]:
    """Rows that would change a stored deal beyond what its record allows."""
    errors = []
    for row in rows:
        deal = stored.get(row.number)
        if deal is None:
            continue
        v = row.values
        changed = [name for name in FIXED if name in v and v[name] != getattr(deal, name)]
        if v.get("from_party") and v["from_party"][0] != deal.from_org.name:
            changed.append("from_party")
        if v.get("to_party") and v["to_party"][0] != deal.to_org.name:
            changed.append("to_party")
        if "application_numbers" in v and set(v["application_numbers"]) != {p.application_number
                                                                             for p in deal.patents}:
            changed.append("application_numbers")
        errors += [row.error(ctx.path, name, f"交易 #{deal.id}（{deal.external_id or '无合同编号'}）已登记，此项不能"
                             "通过重新导入修改；如确有错误，请取消该交易并重新登记") for name in changed]
        received = v.get("received_amount")
        if received is not None and deal.received_amount is not None and received < deal.received_amount:
            errors.append(row.error(ctx.path, "received_amount", f"到账金额只能增加（现为 {deal.received_amount} 元）"))
    return errors


@dataclass
class _Timeline:
    """Each patent's holder names by date: the stored ledger, then the file's own moves."""

    session: Session
    events: dict[int, list[tuple[dt.date, int, tuple[str, ...]]]] = field(default_factory=dict)

    def of(self, patent: Patent) -> list[tuple[dt.date, int, tuple[str, ...]]]:
        if patent.id not in self.events:
            self.events[patent.id] = [(e.effective_on, i, e.holders)
                                      for i, e in enumerate(ledger.history(self.session, patent))]
        return self.events[patent.id]

    def holders_on(self, patent: Patent, on: dt.date) -> tuple[str, ...]:
        found: tuple[str, ...] = ()
        for effective, _, names in sorted(self.of(patent)):
            if effective > on:
                break
            found = names
        return found

    def move(self, patent: Patent, effective: dt.date, seller: str, buyer: str) -> None:
        events = self.of(patent)
        before = self.holders_on(patent, effective)
        after = tuple(dict.fromkeys(buyer if name == seller else name for name in before))
        events.append((effective, len(events), after))


def deal_row_errors(session: Session, rows: list[ParsedRow], known: dict[str, Patent], ctx: ImportContext,
                    skip: set[int]) -> list[RowError]:
    """New deals that break a deal rule; rows in `skip` (already in error, or updates of stored deals) are
    not checked against the ledger and do not move it."""
    orgs = {o.name: o for o in session.scalars(select(Organization))}
    timeline, errors = _Timeline(session), []
    ordered = sorted((r for r in rows if _complete(r, known) and r.number not in skip),
                     key=lambda r: (r.values["signed_on"], r.number))
    for row in ordered:
        v = row.values
        terms = deals.DealTerms(
            v["kind"], [known[n] for n in v["application_numbers"]], _org(orgs, v["from_party"][0]),
            _org(orgs, v["to_party"][0]), v["signed_on"], v.get("recorded_on"), v.get("license_type"),
            v.get("contract_amount"), v.get("received_amount"), v.get("excess_note", ""))
        problems = deals.input_problems(terms, ctx.today)
        if not problems:
            problems = deals.licence_problems(terms) + _holder_problems(timeline, terms)
        errors += [row.error(ctx.path, _FIELDS.get(p.field, p.field), p.message) for p in problems]
        if not problems and v["kind"] in ledger.MOVES_RIGHT:
            for patent in terms.patents:
                timeline.move(patent, terms.recorded_on or terms.signed_on, terms.from_org.name, terms.to_org.name)
    return errors


# The import's names for the fields data/deals.py names by the API's request fields.
_FIELDS = {"from_org_id": "from_party", "to_org_id": "to_party"}


def _holder_problems(timeline: _Timeline, terms: deals.DealTerms) -> list[deals.DealProblem]:
    """data/deals.holder_problems against the file's timeline instead of the stored ledger alone."""
    found = []
    effective = terms.recorded_on or terms.signed_on
    moves = terms.kind in ledger.MOVES_RIGHT
    for patent in terms.patents:
        events = timeline.of(patent)
        latest = max((e[0] for e in events), default=None)
        if moves and latest is not None and effective < latest:
            message = ledger.out_of_order_message(patent.application_number, latest, effective, "转让或作价入股")
            found.append(deals.DealProblem("recorded_on" if terms.recorded_on else "signed_on", message, conflict=True))
            continue
        for on in dict.fromkeys((terms.signed_on, effective) if moves else (terms.signed_on,)):
            held = timeline.holders_on(patent, on)
            if terms.from_org.name not in held:
                found.append(deals.DealProblem("from_org_id", ledger.not_holder_message(
                    terms.from_org.name, on, patent.application_number, held), conflict=True))
                break
    return found


def _complete(row: ParsedRow, known: dict[str, Patent]) -> bool:
    v = row.values
    return (all(k in v for k in ("kind", "signed_on", "from_party", "to_party", "application_numbers"))
            and all(n in known for n in v["application_numbers"]))


def _org(orgs: dict[str, Organization], name: str) -> Organization:
    return orgs.get(name) or Organization(name=name)
