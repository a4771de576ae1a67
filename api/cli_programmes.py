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
        click.echo(f"{programme.code}  {programme.name}（{programme.path}）"
                   f"适用地区：{programme.area.label}；档次：{tiers}；"
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
        refused = 0
        for code in codes or tuple(found):
            try:
                result = programmes.check(session, found[code], org, year)
            except programmes.NotInArea as exc:  # another region's enterprise is not graded
                click.echo(f"{found[code].name}（{code}）— {exc}")
                refused += 1
                continue
            click.echo(f"{found[code].name}（{code}）— {org.name}，{year} 年度（适用地区：{found[code].area.label}）")
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
    if refused == len(codes or found):  # nothing could be checked: say so in the exit status too
        sys.exit(2)


# ---- programme projects: 申报 → 立项 → 中期检查 → 验收, tranches, KPIs (data/programmes/projects.py) ----

@programmes_group.group("projects")
def projects_group() -> None:
    """Programme projects (高价值专利培育项目/基地, 登峰): stages, award, tranche payments, KPIs."""


def _day(value: str | None, option: str):  # noqa: ANN202
    import datetime as dt

    from data.normalize import parse_date

    try:
        return parse_date(value) if value else dt.date.today()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _amount(value: str | None, option: str):  # noqa: ANN202
    from decimal import Decimal, InvalidOperation

    if value is None:
        return None
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise click.BadParameter(f"“{value}”不是数字", param_hint=option) from None


def _refused(exc) -> None:  # noqa: ANN001
    for refusal in exc.refusals:
        click.echo(f"{refusal.field.replace('_', '-')}：{refusal.message}", err=True)
    sys.exit(2)


def _project(session, number: str):  # noqa: ANN001, ANN202
    from data.programmes import projects as rules

    project = rules.find(session, number)
    if project is None:
        click.echo(f"没有项目编号为 {number} 的项目", err=True)
        sys.exit(2)
    return project


def _money(value) -> str:  # noqa: ANN001
    return "—" if value is None else f"{value:,.2f} 元"


@projects_group.command("list")
@click.option("--programme", "code", help="Programme code (default every programme).")
@click.option("--stage", type=click.Choice(["applied", "approved", "midterm", "accepted", "failed"]))
@click.pass_obj
def list_projects(obj, code: str | None, stage: str | None) -> None:  # noqa: ANN001
    """Every project with its stage, award and amount paid."""
    from sqlalchemy import select

    from data.db import transaction
    from data.models import ProgrammeProject
    from data.programmes.projects import STAGE_LABELS

    with transaction(obj.engine) as session:
        query = select(ProgrammeProject).order_by(ProgrammeProject.programme, ProgrammeProject.number)
        if code:
            query = query.where(ProgrammeProject.programme == code)
        if stage:
            query = query.where(ProgrammeProject.stage == stage)
        for p in session.scalars(query):
            paid = sum(x.amount for x in p.payments)
            click.echo(f"{p.number}  {p.programme}/{p.group}  {STAGE_LABELS[p.stage]}  {p.organization.name}  "
                       f"{p.title}  资助 {_money(p.award)}  已拨 {_money(paid)}")


@projects_group.command("add")
@click.argument("programme")
@click.argument("group")
@click.argument("organization")
@click.option("--number", required=True, help="项目编号")
@click.option("--title", required=True, help="项目名称")
@click.option("--applied-on", help="申报日期 (default today)")
@click.pass_obj
def add_project(obj, programme: str, group: str, organization: str, number: str, title: str,  # noqa: ANN001
                applied_on: str | None) -> None:
    """Record a project's application (申报) in a programme's project group."""
    import datetime as dt

    from sqlalchemy import select

    from data.db import transaction
    from data.enterprise import Refused
    from data.models import Organization
    from data.programmes import available
    from data.programmes import projects as rules

    day = _day(applied_on, "--applied-on")
    with transaction(obj.engine) as session:
        org = session.scalar(select(Organization).where(Organization.name == organization))
        if org is None:
            click.echo(f"没有名为 {organization} 的单位", err=True)
            sys.exit(2)
        try:
            project = rules.create(session, available(), programme, group, org, number, title, day,
                                   dt.date.today(), actor="cli")
        except Refused as exc:
            _refused(exc)
        click.echo(f"已登记申报：{project.number} {project.title}（{org.name}，{day}）")


@projects_group.command("stage")
@click.argument("number")
@click.argument("stage", type=click.Choice(["approved", "midterm", "accepted", "failed"]))
@click.option("--on", "on", help="The stage's date (default today).")
@click.option("--award", help="资助额 (yuan), at approval.")
@click.option("--co-investment", help="企业自筹投入 (yuan), at approval where the group requires it.")
@click.option("--score", help="验收得分, at acceptance.")
@click.option("--reason", default="", help="Why an ineligible project is approved anyway (stored).")
@click.option("--note", default="", help="中期检查或验收意见.")
@click.pass_obj
def stage_project(obj, number: str, stage: str, on: str | None, award: str | None,  # noqa: ANN001
                  co_investment: str | None, score: str | None, reason: str, note: str) -> None:
    """Move a project to its next stage; the rules refuse anything out of order, misdated or ineligible."""
    import datetime as dt

    from data.db import transaction
    from data.enterprise import Refused
    from data.programmes import available
    from data.programmes import projects as rules
    from data.project_models import ProjectStage

    day = _day(on, "--on")
    with transaction(obj.engine) as session:
        project = _project(session, number)
        try:
            rules.advance(session, available(), project, ProjectStage(stage), day, dt.date.today(),
                          award=_amount(award, "--award"), co_investment=_amount(co_investment, "--co-investment"),
                          score=_amount(score, "--score"), override_reason=reason, note=note, actor="cli")
        except Refused as exc:
            _refused(exc)
        click.echo(f"{project.number} 已转为{rules.STAGE_LABELS[project.stage]}（{day}）")


@projects_group.command("pay")
@click.argument("number")
@click.argument("tranche", type=int)
@click.option("--on", "on", help="拨付日期 (default today).")
@click.option("--amount", help="Amount paid (yuan; default the tranche's share of the award).")
@click.pass_obj
def pay_project(obj, number: str, tranche: int, on: str | None, amount: str | None) -> None:  # noqa: ANN001
    """Record a tranche of the award paid; tranches are paid in order, the last after acceptance passed."""
    import datetime as dt

    from data.db import transaction
    from data.enterprise import Refused
    from data.programmes import available
    from data.programmes import projects as rules

    day = _day(on, "--on")
    with transaction(obj.engine) as session:
        project = _project(session, number)
        try:
            payment = rules.pay(session, available(), project, tranche, day, dt.date.today(),
                                _amount(amount, "--amount"), actor="cli")
        except Refused as exc:
            _refused(exc)
        click.echo(f"{project.number} 第 {payment.tranche} 期（{payment.tranche_name}）已拨付 "
                   f"{_money(payment.amount)}（{day}）")


@projects_group.command("show")
@click.argument("number")
@click.pass_obj
def show_project(obj, number: str) -> None:  # noqa: ANN001
    """A project's stages, tranches and KPIs (figure, target, met / not met / unknown)."""
    import datetime as dt

    from data.db import transaction
    from data.programmes import STATUS_LABELS, available
    from data.programmes import projects as rules

    found = available()
    with transaction(obj.engine) as session:
        p = _project(session, number)
        _, group = rules.group_of(found, p.programme, p.group)
        click.echo(f"{p.number} {p.title}（{p.organization.name}）— {found[p.programme].name} · {group.name}")
        click.echo(f"  阶段：{rules.STAGE_LABELS[p.stage]}；申报 {p.applied_on}；立项 {p.approved_on or '—'}；"
                   f"中期检查 {p.midterm_on or '—'}；验收 {p.concluded_on or '—'}"
                   + (f"（得分 {p.score}）" if p.score is not None else ""))
        if p.approved_on:
            click.echo(f"  立项时申报条件（{p.baseline_year} 年度）：{p.eligibility}")
            if p.override_reason:
                click.echo(f"  运营人员立项理由：{p.override_reason}")
            click.echo(f"  资助额：{_money(p.award)}；企业自筹投入：{_money(p.co_investment)}")
        for due in rules.schedule(p, group):
            paid = f"已于 {due.paid.paid_on} 拨付 {_money(due.paid.amount)}" if due.paid else "未拨付"
            click.echo(f"  第 {due.tranche} 期 {due.name}：应拨 {_money(due.amount)}，{paid}")
        kpis = rules.project_kpis(session, found, p, dt.date.today())
        if kpis.outcomes:
            click.echo(f"  绩效指标（起始 {kpis.baseline_year} 年 → {kpis.latest_year} 年）：")
            for o in kpis.outcomes:
                click.echo(f"    [{STATUS_LABELS[o.status]}] {o.criterion.name}：{_value(o.value)}"
                           f"（目标 {rules.requirement(o.criterion)}）\n        数据：{o.evidence}")


def programme_summary(engine, year: int) -> None:  # noqa: ANN001
    """Per programme: its area and how many of the organisations with figures for `year` are inside, outside or
    of unknown place; of those inside, enterprises per tier and per project group met; projects per stage."""
    from collections import Counter

    from sqlalchemy import select

    from data import programmes
    from data.db import transaction
    from data.models import EnterpriseYear, Organization, ProgrammeProject
    from data.programme_areas import INSIDE, OUTSIDE, UNKNOWN
    from data.programmes.projects import STAGE_LABELS

    with transaction(engine) as session:
        orgs = session.scalars(select(Organization).join(EnterpriseYear).where(EnterpriseYear.year == year)
                               .order_by(Organization.name)).all()
        stages = Counter(session.execute(select(ProgrammeProject.programme, ProgrammeProject.stage)).all())
        click.echo(f"\n项目计划 Programmes（{year} 年度，{len(orgs)} 家单位填报了年度数据）:")
        for programme in programmes.available().values():
            click.echo(f"  {programme.name}（{programme.code}）")
            verdicts = {org.id: programmes.admitted(programme, org) for org in orgs}
            counts = Counter(v.status for v in verdicts.values())
            unknown = [o.name for o in orgs if verdicts[o.id].status == UNKNOWN]
            click.echo(f"    适用地区：{programme.area.label}；地区内 {counts[INSIDE]} 家，"
                       f"地区外 {counts[OUTSIDE]} 家，地区未知 {counts[UNKNOWN]} 家"
                       + (f"（{'、'.join(unknown)}）" if unknown else ""))
            results = [programmes.check(session, programme, org, year) for org in orgs if verdicts[org.id].inside]
            if programme.tiers:
                tiers = Counter(r.tier.name if r.tier else "未入库" for r in results)
                shown = [f"{t.name} {tiers.get(t.name, 0)}" for t in programme.tiers] + [f"未入库 {tiers['未入库']}"]
                click.echo(f"    档次：{'，'.join(shown)}")
            for index, group in enumerate(programme.projects):  # who could apply now (unknown is never eligible)
                eligible = [r.organization for r in results if r.projects[index].status == programmes.MET]
                judged = Counter(r.projects[index].status for r in results)
                click.echo(f"    {group.name}申报条件符合：{len(eligible)} 家"
                           + (f"（{'、'.join(eligible)}）" if eligible else "")
                           + f"；不符合 {judged[programmes.NOT_MET]} 家，未知（缺数据）{judged[programmes.UNKNOWN]} 家")
            click.echo("    项目：" + "，".join(f"{label} {stages.get((programme.code, stage), 0)}"
                                              for stage, label in STAGE_LABELS.items()))
