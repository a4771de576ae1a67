"""专利导航 over HTTP: `GET /navigation` returns the landscape tables of a selection (matching/landscape)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import MatcherLaterDep, invalid, require, session
from api.navigation_report import patents_link
from data.ipc_scheme import IpcSchemeError
from data.settings import get_settings
from matching.landscape import TOP, Landscape, Selection, SubFields, analyse
from matching.landscape.selection import SelectionError, resolve
from matching.landscape.topic_tags import has_topics

router = APIRouter(tags=["patent navigation"])
readers = require("navigation.read")


class TableOut(BaseModel):
    name: str
    title: str
    columns: list[str]
    rows: list[list[str | int | float | None]]


class CellOut(BaseModel):
    group: str = Field(description="the sub-field: an IPC main group, or a learned topic's code (T03)")
    effect: str = Field(description="technical effect code, E01…E28")
    patents: int
    link: str = Field(description="the web patent list of this cell")


class NavigationOut(BaseModel):
    selection: str = Field(description="the selection in words (Chinese)")
    patents: int
    query_hits: int | None
    today: dt.date
    subfields: str = Field(description="what the matrix rows are: ipc (IPC main groups) or topics (learned)")
    tables: list[TableOut]
    matrix_cells: list[CellOut]


def landscape_for(db: Session, selection: Selection, retriever: Callable[[], object] | None,
                  today: dt.date, top: int = TOP, sub: SubFields = SubFields()) -> Landscape:  # noqa: B008 (frozen)
    """The analysis of a selection; the matcher is loaded only for a technology query. Raises SelectionError
    (and IpcSchemeError when the configured IPC scheme file is bad)."""
    if sub.topics and not has_topics(db):
        raise SelectionError("subfields", "还没有主题：先运行 patent-match navigate topics fit（或 topics assign）")
    needs_index = bool(selection.query.strip())
    resolved = resolve(db, selection, retriever() if needs_index and retriever else None,
                       get_settings().cluster_scheme)
    return analyse(db, resolved, today, top, sub)


def public(found: Landscape) -> NavigationOut:
    return NavigationOut(
        selection=found.description, patents=found.patents, query_hits=found.query_hits, today=found.today,
        subfields=found.fields.sub.kind,
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
                       422: {"description": "an unknown cluster, a bad date range or relevance, topics not fitted"},
                       500: {"description": "the configured IPC scheme file (PATENT_MATCH_IPC_SCHEME) is bad"}})
def navigation(who: Principal = Depends(readers), db: Session = Depends(session),
               cluster: str | None = Query(None, max_length=100, description="产业集群名称"),
               scheme: str | None = Query(None, description="jiangsu / zhejiang (default: the configured scheme)"),
               ipc: list[str] = Query([], description="IPC prefixes, e.g. H01M or H02J 3/"),
               holder: list[str] = Query([], description="holder names (exact)"),
               holder_id: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Query([], description="holder ids"),
               universities: bool = Query(False, description="only patents held by universities and institutes"),
               region: str | None = Query(None, max_length=50, description="苏南 / 苏中 / 苏北, a city or a province"),
               date_from: dt.date | None = Query(None, alias="from", description="application date from"),
               date_to: dt.date | None = Query(None, alias="to", description="application date to"),
               query: str = Query("", max_length=500, description="free-text technology query (needs the index)"),
               relevance: float = Query(0.5, ge=0, le=1, description="keep hits ≥ this share of the best score"),
               top: int = Query(TOP, ge=1, le=50, description="sub-fields in the matrix"),
               subfields: Literal["ipc", "topics"] = Query("ipc", description="matrix rows: IPC main groups or "
                                                            "learned topics (patent-match navigate topics fit)"),
               get_matcher: MatcherLaterDep = None) -> NavigationOut:
    """The landscape tables of a selection: years, holders, IPC main groups, the technology–effect matrix,
    sleeping and open-licence shares, deals, regional flows and supply–demand gaps."""
    selection = selection_of(cluster, scheme, ipc, holder, holder_id, universities, region, date_from, date_to,
                             query, relevance)
    try:
        found = landscape_for(db, selection, get_matcher, dt.date.today(), top, SubFields(subfields))
    except SelectionError as exc:
        raise invalid(f"query.{exc.field}", str(exc)) from None
    except IpcSchemeError as exc:
        raise HTTPException(500, str(exc)) from None
    return public(found)
