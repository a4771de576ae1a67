"""专利导航 over HTTP: `GET /navigation` returns the landscape tables of a selection (matching/landscape)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import MatcherLaterDep, invalid, require, session
from api.navigation_report import patents_link
from data.settings import get_settings
from matching.landscape import TOP, Landscape, Selection, analyse
from matching.landscape.selection import SelectionError, resolve

router = APIRouter(tags=["patent navigation"])
readers = require("navigation.read")


class TableOut(BaseModel):
    name: str
    title: str
    columns: list[str]
    rows: list[list[str | int | float | None]]


class CellOut(BaseModel):
    group: str = Field(description="IPC main group (sub-field)")
    effect: str = Field(description="technical effect code, E01…E28")
    patents: int
    link: str = Field(description="the web patent list of this cell")


class NavigationOut(BaseModel):
    selection: str = Field(description="the selection in words (Chinese)")
    patents: int
    query_hits: int | None
    today: dt.date
    tables: list[TableOut]
    matrix_cells: list[CellOut]


def landscape_for(db: Session, selection: Selection, retriever: Callable[[], object] | None,
                  today: dt.date, top: int = TOP) -> Landscape:
    """The analysis of a selection; the matcher is loaded only for a technology query. Raises SelectionError."""
    needs_index = bool(selection.query.strip())
    resolved = resolve(db, selection, retriever() if needs_index and retriever else None,
                       get_settings().cluster_scheme)
    return analyse(db, resolved, today, top)


def public(found: Landscape) -> NavigationOut:
    return NavigationOut(
        selection=found.description, patents=found.patents, query_hits=found.query_hits, today=found.today,
        tables=[TableOut(name=t.name, title=t.title, columns=list(t.columns), rows=[list(r) for r in t.rows])
                for t in found.tables()],
        matrix_cells=[CellOut(group=c.group, effect=c.effect, patents=c.patents, link=patents_link(c.filters))
                      for c in found.matrix.cells])


def selection_of(cluster: str | None, scheme: str | None, ipc: list[str], holder: list[str], holder_id: list[int],
                 universities: bool, region: str | None, date_from: dt.date | None, date_to: dt.date | None,
                 query: str, relevance: float) -> Selection:
    return Selection(cluster=(cluster or "").strip() or None, scheme=scheme or get_settings().cluster_scheme,
                     ipc=tuple(i for i in ipc if i.strip()), query=query.strip(), relevance=relevance,
                     holders=tuple(h.strip() for h in holder if h.strip()), holder_ids=tuple(holder_id),
                     universities=universities, region=(region or "").strip() or None, date_from=date_from,
                     date_to=date_to)


@router.get("/navigation", response_model=NavigationOut, summary="专利导航: the landscape tables of a selection",
            responses={403: {"description": "not an operator, evaluator or admin"},
                       422: {"description": "an unknown cluster, a bad date range or relevance"}})
def navigation(who: Principal = Depends(readers), db: Session = Depends(session),
               cluster: str | None = Query(None, max_length=100, description="产业集群名称"),
               scheme: str | None = Query(None, description="jiangsu / zhejiang (default: the configured scheme)"),
               ipc: list[str] = Query([], description="IPC prefixes, e.g. H01M or H02J 3/"),
               holder: list[str] = Query([], description="holder names (exact)"),
               holder_id: list[int] = Query([]),
               universities: bool = Query(False, description="only patents held by universities and institutes"),
               region: str | None = Query(None, max_length=50, description="苏南 / 苏中 / 苏北, a city or a province"),
               date_from: dt.date | None = Query(None, alias="from", description="application date from"),
               date_to: dt.date | None = Query(None, alias="to", description="application date to"),
               query: str = Query("", max_length=500, description="free-text technology query (needs the index)"),
               relevance: float = Query(0.5, ge=0, le=1, description="keep hits ≥ this share of the best score"),
               top: int = Query(TOP, ge=1, le=50, description="sub-fields in the matrix"),
               get_matcher: MatcherLaterDep = None) -> NavigationOut:
    """The landscape tables of a selection: years, holders, IPC main groups, the technology–effect matrix,
    sleeping and open-licence shares, deals, regional flows and supply–demand gaps."""
    selection = selection_of(cluster, scheme, ipc, holder, holder_id, universities, region, date_from, date_to,
                             query, relevance)
    try:
        found = landscape_for(db, selection, get_matcher, dt.date.today(), top)
    except SelectionError as exc:
        raise invalid(f"query.{exc.field}", str(exc)) from None
    return public(found)
