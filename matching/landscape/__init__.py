"""专利导航: a landscape analysis over a selection of patents (selection.py), its views (views.py, trade.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from matching.landscape.selection import Resolved, Selection
from matching.landscape.subfields import SubFields
from matching.landscape.trade import Deals, Flows, Gaps, deals, flows, gaps
from matching.landscape.views import (
    Fields,
    Holders,
    Matrix,
    Shares,
    Table,
    Years,
    fields,
    holders,
    matrix,
    shares,
    years,
)

TOP = 15  # sub-fields shown in the matrix and the shares (the field table keeps them all)


@dataclass(frozen=True)
class Landscape:
    selection: Selection
    description: str
    patents: int
    query_hits: int | None
    today: dt.date
    years: Years
    holders: Holders
    fields: Fields
    matrix: Matrix
    shares: Shares
    deals: Deals
    flows: Flows
    gaps: Gaps

    def tables(self) -> tuple[Table, ...]:
        return tuple(view.table() for view in (self.years, self.holders, self.fields, self.matrix, self.shares,
                                               self.deals, self.flows, self.gaps))


def analyse(session: Session, resolved: Resolved, today: dt.date, top: int = TOP,
            sub: SubFields = SubFields()) -> Landscape:  # noqa: B008 (frozen)
    """`sub`: the sub-fields of the matrix, shares and deals (IPC main groups, or learned topics)."""
    field_view = fields(session, resolved, sub)
    return Landscape(resolved.selection, resolved.selection.describe(), resolved.count, resolved.query_hits, today,
                     years(session, resolved), holders(session, resolved), field_view,
                     matrix(session, resolved, field_view, top), shares(session, resolved, field_view, today, top),
                     deals(session, resolved, sub), flows(session, resolved), gaps(session, resolved))


__all__ = ["Landscape", "Resolved", "Selection", "SubFields", "TOP", "Table", "analyse"]
