"""`patent-match navigate`: a landscape report (专利导航) of a selection as report.html, PNG charts and report.xlsx."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from data.db import transaction
from data.settings import get_settings


def _day(value: str | None, hint: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise click.BadParameter(f"日期“{value}”应写作 YYYY-MM-DD", param_hint=hint) from None


@click.command("navigate")
@click.option("--cluster", help="产业集群名称，如 新型电力(新能源)装备")
@click.option("--scheme", type=click.Choice(["jiangsu", "zhejiang"]), help="集群方案（默认：配置的 cluster_scheme）")
@click.option("--ipc", multiple=True, help="IPC 前缀，可多次给出：--ipc H01M --ipc 'H02J 3/'")
@click.option("--holder", multiple=True, help="权利人全称，可多次给出")
@click.option("--universities", is_flag=True, help="只看高校院所持有的专利")
@click.option("--region", help="苏南 / 苏中 / 苏北、城市或省份（权利人所在地）")
@click.option("--from", "date_from", help="申请日起 YYYY-MM-DD")
@click.option("--to", "date_to", help="申请日止 YYYY-MM-DD")
@click.option("--query", default="", help="技术描述（用检索索引，保留相关度不低于最高分 --relevance 倍的专利）")
@click.option("--relevance", default=0.5, type=click.FloatRange(0, 1), show_default=True)
@click.option("--top", default=15, type=click.IntRange(1, 50), show_default=True, help="矩阵中的技术分支数")
@click.option("--as-of", "as_of", help="统计日（默认今天）")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="矩阵单元格链接到的平台地址（/ui/patents）")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def navigate(obj, cluster, scheme, ipc, holder, universities, region, date_from, date_to, query, relevance,  # noqa: ANN001, PLR0913
             top, as_of, base_url, out) -> None:  # noqa: ANN001
    """Write a landscape report: report.html (charts embedded), the charts as PNG, report.xlsx (one sheet per table)."""
    from api.navigation_report import write_report
    from api.routes_navigation import landscape_for
    from matching.landscape import Selection
    from matching.landscape.selection import SelectionError

    selection = Selection(cluster=cluster or None, scheme=scheme or get_settings().cluster_scheme, ipc=tuple(ipc),
                          query=query.strip(), relevance=relevance, holders=tuple(holder), universities=universities,
                          region=region or None, date_from=_day(date_from, "--from"), date_to=_day(date_to, "--to"))
    today = _day(as_of, "--as-of") or dt.date.today()

    def retriever():  # noqa: ANN202
        from api.cli_match import load_matcher

        return load_matcher(obj.engine)

    started = time.perf_counter()
    with transaction(obj.engine) as session:
        try:
            found = landscape_for(session, selection, retriever, today, top)
        except SelectionError as exc:
            raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from None
    files = write_report(found, out, base_url.rstrip("/") + "/ui/patents")
    click.echo(f"专利导航 {found.description}：{found.patents} 件专利，用时 {time.perf_counter() - started:.2f} s")
    for path in files:
        click.echo(f"  {path}")
