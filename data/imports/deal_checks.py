"""The deal rules of data/deals.py for a whole file of deals: each row is checked against the ledger
as it will stand after the file's earlier deals (by signing date), so A→B then B→C in one file passes
and a seller who no longer holds the patent is a row error before anything is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import deals, ledger
from data.imports.common import ImportContext, ParsedRow
from data.imports.errors import RowError
from data.models import Organization, Patent


@dataclass
class _Timeline:
    """Each patent's holder names by date: the stored ledger, then the file's own moves."""

    session: Session
    events: dict[int, list[tuple[dt.date, int, tuple[str, ...]]]] = field(default_factory=dict)

    def _of(self, patent: Patent) -> list[tuple[dt.date, int, tuple[str, ...]]]:
        if patent.id not in self.events:
            self.events[patent.id] = [(e.effective_on, i, e.holders)
                                      for i, e in enumerate(ledger.history(self.session, patent))]
        return self.events[patent.id]

    def holders_on(self, patent: Patent, on: dt.date) -> tuple[str, ...]:
        found: tuple[str, ...] = ()
        for effective, _, names in sorted(self._of(patent)):
            if effective > on:
                break
            found = names
        return found

    def move(self, patent: Patent, effective: dt.date, seller: str, buyer: str) -> None:
        events = self._of(patent)
        before = self.holders_on(patent, effective)
        after = tuple(dict.fromkeys(buyer if name == seller else name for name in before))
        events.append((effective, len(events), after))


def deal_row_errors(session: Session, rows: list[ParsedRow], known: dict[str, Patent], ctx: ImportContext,
                    skip: set[int]) -> list[RowError]:
    """Rows that break a deal rule; rows in `skip` (already in error, or updates of stored deals) are
    not checked against the ledger and do not move it."""
    orgs = {o.name: o for o in session.scalars(select(Organization))}
    timeline, errors = _Timeline(session), []
    ordered = sorted((r for r in rows if _complete(r, known)), key=lambda r: (r.values["signed_on"], r.number))
    for row in ordered:
        v = row.values
        terms = deals.DealTerms(
            v["kind"], [known[n] for n in v["application_numbers"]], _org(orgs, v["from_party"][0]),
            _org(orgs, v["to_party"][0]), v["signed_on"], v.get("recorded_on"), v.get("license_type"),
            v.get("contract_amount"), v.get("received_amount"), v.get("excess_note", ""))
        problems = deals.input_problems(terms, ctx.today)
        if not problems and row.number not in skip:
            problems = [p for p in deals.conflict_problems(session, terms) if p.field != "from_org_id"]
            problems += _holder_problems(timeline, terms)
        errors += [row.error(ctx.path, _FIELDS.get(p.field, p.field), p.message) for p in problems]
        if not problems and row.number not in skip and v["kind"] in ledger.MOVES_RIGHT:
            for patent in terms.patents:
                timeline.move(patent, terms.recorded_on or terms.signed_on, terms.from_org.name, terms.to_org.name)
    return errors


# The import's names for the fields data/deals.py names by the API's request fields.
_FIELDS = {"from_org_id": "from_party", "to_org_id": "to_party"}


def _holder_problems(timeline: _Timeline, terms: deals.DealTerms) -> list[deals.DealProblem]:
    found = []
    for patent in terms.patents:
        held = timeline.holders_on(patent, terms.signed_on)
        if terms.from_org.name not in held:
            shown = "、".join(held) or "（无登记权利人）"
            found.append(deals.DealProblem("from_org_id", f"{terms.from_org.name} 在 {terms.signed_on} 不是专利 "
                                           f"{patent.application_number} 的权利人；登记簿显示权利人为 {shown}",
                                           conflict=True))
    return found


def _complete(row: ParsedRow, known: dict[str, Patent]) -> bool:
    v = row.values
    return (all(k in v for k in ("kind", "signed_on", "from_party", "to_party", "application_numbers"))
            and all(n in known for n in v["application_numbers"]))


def _org(orgs: dict[str, Organization], name: str) -> Organization:
    return orgs.get(name) or Organization(name=name)
