"""`patent-match programmes list|check`: programme rules (data/programmes/*.json) and an organisation's standing."""

from __future__ import annotations

import sys

import click


@click.group("programmes")
def programmes_group() -> None:
    """Programmes (苏州强企培育, 浙江高价值专利培育): rules as data, standing from the records."""


def _value(value) -> str:  # noqa: ANN001
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.4f}".rstrip("0").rstrip(".")


def _threshold(criterion) -> str:  # noqa: ANN001
    if criterion.growth is not None:
        return f"较上年增长 {criterion.op} {_value(criterion.growth)}"
    return f"{criterion.op} {_value(criterion.threshold)}"


def _outcome_lines(outcomes) -> list[str]:  # noqa: ANN001
    from data.programmes import STATUS_LABELS

    return [f"    [{STATUS_LABELS[o.status]}] {o.criterion.name}：{_value(o.value)}（要求 {_threshold(o.criterion)}）\n"
            f"        数据：{o.evidence}\n        依据：{o.criterion.source}" for o in outcomes]


@programmes_group.command("list")
def list_programmes() -> None:
    """The programme files and their tiers and projects."""
    from data.programmes import available

    for programme in available().values():
        tiers = " → ".join(t.name for t in programme.tiers) or "无"
        click.echo(f"{programme.code}  {programme.name}（{programme.path}）档次：{tiers}；"
                   f"项目：{'、'.join(p.name for p in programme.projects) or '无'}")


@programmes_group.command("check")
@click.argument("organization")
@click.option("--programme", "codes", multiple=True, help="Programme code (repeat; default every programme).")
@click.option("--year", type=int, help="The year evaluated (default last year, the latest complete one).")
@click.pass_obj
def check(obj, organization: str, codes: tuple[str, ...], year: int | None) -> None:  # noqa: ANN001
    """Each criterion met / not met / unknown, with the figure and the record it comes from."""
    import datetime as dt

    from sqlalchemy import select

    from data import programmes
    from data.db import transaction
    from data.models import Organization

    try:
        found = programmes.available()
    except programmes.ProgrammeError as exc:
        click.echo(f"规则文件有误：{exc}", err=True)
        sys.exit(2)
    unknown = [c for c in codes if c not in found]
    if unknown:
        click.echo(f"--programme：没有项目 {'、'.join(unknown)}；可选：{'、'.join(found)}", err=True)
        sys.exit(2)
    year = year or dt.date.today().year - 1
    with transaction(obj.engine) as session:
        org = session.scalar(select(Organization).where(Organization.name == organization))
        if org is None:
            click.echo(f"没有名为 {organization} 的单位", err=True)
            sys.exit(2)
        for code in codes or tuple(found):
            result = programmes.check(session, found[code], org, year)
            click.echo(f"{found[code].name}（{code}）— {org.name}，{year} 年度")
            if found[code].tiers:
                reached = result.reached.name if result.reached else "未达入库条件"
                click.echo(f"  档次：{result.tier.name if result.tier else '无'}（按标准可达：{reached}）")
                if result.declining_years:
                    click.echo(f"  动态管理：指标连续下降年度 {'、'.join(map(str, result.declining_years))}")
                for tier in result.tiers:
                    click.echo(f"  {tier.group.name}：{programmes.STATUS_LABELS[tier.status]}")
                    click.echo("\n".join(_outcome_lines(tier.outcomes)))
            for project in result.projects:
                click.echo(f"  {project.group.name} 申报条件：{programmes.STATUS_LABELS[project.status]}")
                click.echo("\n".join(_outcome_lines(project.outcomes)))
            if result.kpis:
                click.echo("  绩效指标：")
                click.echo("\n".join(_outcome_lines(result.kpis)))
