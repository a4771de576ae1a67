"""专利导航 page: the landscape of a selection with its filters, charts, and tables whose cells and rows link to
the patent list (/ui/patents with the cluster, effect, field, topic and holder facets). The charts are embedded
in the page (drawn once, with their bars and bubbles as links); /ui/navigation/{chart}.png serves one alone."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from api.deps import PAGE_MATCHER, session
from api.navigation_report import CHARTS, caption, data_uri, drawn, figure_html, matrix_links, patents_link
from api.routes_navigation import landscape_for, selection_of
from api.web.core import Problem, WebUser, pages_for, render
from data.ipc_scheme import IpcSchemeError
from data.settings import get_settings
from matching.browse import facet_choices
from matching.landscape import SubFields
from matching.landscape.selection import SelectionError

router = APIRouter()
navigation_pages = pages_for("navigation.read")
FILTERS = ("cluster", "ipc", "holder", "region", "from", "to", "query", "subfields")


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise SelectionError("from", f"日期“{text}”应写作 YYYY-MM-DD") from None


def _landscape(db: Session, values: dict[str, str], get_matcher):  # noqa: ANN001, ANN202
    selection = selection_of(values["cluster"], None, [values["ipc"]], [values["holder"]], [], False,
                             values["region"], _date(values["from"]), _date(values["to"]), values["query"], 0.5)
    try:
        sub = SubFields(values["subfields"] or "ipc")
    except ValueError as exc:
        raise SelectionError("subfields", str(exc)) from None
    try:
        return landscape_for(db, selection, get_matcher, dt.date.today(), sub=sub)
    except IpcSchemeError as exc:  # the operator's configuration, not the filters: said on the page all the same
        raise SelectionError("ipc_scheme", str(exc)) from None


def _values(cluster: str, ipc: str, holder: str, region: str, date_from: str, date_to: str, query: str,
            subfields: str = "") -> dict:
    return {"cluster": cluster.strip(), "ipc": ipc.strip(), "holder": holder.strip(), "region": region.strip(),
            "from": date_from.strip(), "to": date_to.strip(), "query": query.strip(),
            "subfields": "" if subfields.strip() == "ipc" else subfields.strip()}


@router.get("/navigation")
def navigation(request: Request, user: WebUser = Depends(navigation_pages), db: Session = Depends(session),
               cluster: str = Query("", max_length=100), ipc: str = Query("", max_length=40),
               holder: str = Query("", max_length=200), region: str = Query("", max_length=50),
               date_from: str = Query("", alias="from", max_length=10), date_to: str = Query("", alias="to",
                                                                                           max_length=10),
               query: str = Query("", max_length=500), subfields: str = Query("", max_length=10),
               get_matcher=PAGE_MATCHER) -> Response:  # noqa: ANN001
    values = _values(cluster, ipc, holder, region, date_from, date_to, query, subfields)
    try:
        found, problem = _landscape(db, values, get_matcher), None
    except SelectionError as exc:
        found, problem = None, Problem(422, str(exc), {exc.field: str(exc)})
    figures = {}
    if found is not None:
        for name in CHARTS:
            drawn_chart = drawn(found, name)
            figures[name] = Markup(figure_html(drawn_chart, data_uri(drawn_chart), caption(found, name)))
    q = urlencode({k: v for k, v in values.items() if v})
    return render(request, user, "navigation.html", status=problem.status if problem else 200, found=found,
                  problem=problem, values=values, q=q, figures=figures,
                  cells=matrix_links(found) if found else {}, link=patents_link,
                  clusters=facet_choices(db).clusters, scheme=get_settings().cluster_scheme)


@router.get("/navigation/{name}.png")
def navigation_chart(name: str, user: WebUser = Depends(navigation_pages), db: Session = Depends(session),
                     cluster: str = Query("", max_length=100), ipc: str = Query("", max_length=40),
                     holder: str = Query("", max_length=200), region: str = Query("", max_length=50),
                     date_from: str = Query("", alias="from", max_length=10),
                     date_to: str = Query("", alias="to", max_length=10), query: str = Query("", max_length=500),
                     subfields: str = Query("", max_length=10), get_matcher=PAGE_MATCHER) -> Response:  # noqa: ANN001
    if name not in CHARTS:
        return Response(status_code=404)
    try:
        found = _landscape(db, _values(cluster, ipc, holder, region, date_from, date_to, query, subfields),
                           get_matcher)
    except SelectionError:
        return Response(status_code=422)
    return Response(drawn(found, name).png, media_type="image/png", headers={"Cache-Control": "no-cache"})
