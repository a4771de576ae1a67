"""Programme projects: 申报 → 立项 → 中期检查 → 验收 (通过 or 不合格), the award and its tranches, and the KPIs.

These functions are the only way the API, the CLI and the demo loader write a project, so each rule holds on
every path:

- a project belongs to an organisation and to a project group of a programme file (`projects` entries), and
  the organisation is registered inside the programme's area (data/programme_areas.py; unknown is refused) at
  申报 and again at every stage change and every payment, since its registered place may change (or the project
  was recorded before areas were checked); the KPIs of a project outside the area are unknown, never graded;
- stages move forward one at a time (applied → approved → midterm → accepted or failed), each dated on or
  after the stage before it and not in the future;
- approval needs the group's eligibility met on the baseline year's profile (the last complete year before
  申报); unknown or not met is refused naming each failing criterion, unless an operator writes the reason
  for approving anyway, which is stored with the verdict;
- the award is given at approval, positive and within the group's cap; where the group asks for
  co-investment (登峰: at least 200%), the enterprise's own investment is given and checked then;
- acceptance records the score; with a pass score in the file, accepted iff score ≥ it (failed otherwise);
- tranches are paid once each and in order, the last one (of two or more) only after acceptance passed,
  each no more than its share, and the sum never above the award (Decimal, yuan).

Refusals are data.enterprise.Refused: each names the field and the rule in Chinese; `conflict` marks those
that conflict with the stored project or organisation (409) rather than bad input (422). An organisation outside
the area is a conflict wherever it is found, at 申报 as at 立项: the request names an existing organisation
correctly, and it is the organisation's stored place that the rule refuses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import programmes
from data.enterprise import Refusal, Refused
from data.enums import OrgKind
from data.models import Organization, ProgrammeProject, ProjectPayment
from data.profiles import Figure, profile
from data.project_models import ProjectStage

STAGE_LABELS = {ProjectStage.APPLIED: "申报", ProjectStage.APPROVED: "立项", ProjectStage.MIDTERM: "中期检查",
                ProjectStage.ACCEPTED: "验收通过", ProjectStage.FAILED: "验收不合格"}
NEXT = {ProjectStage.APPLIED: (ProjectStage.APPROVED,), ProjectStage.APPROVED: (ProjectStage.MIDTERM,),
        ProjectStage.MIDTERM: (ProjectStage.ACCEPTED, ProjectStage.FAILED)}
MAX_SCORE = Decimal(100)
EARLIEST_YEAR = 1985


def _raise(found: list[Refusal]) -> None:
    if found:
        raise Refused(found)


def group_of(found: Mapping[str, programmes.Programme], programme: str, group: str
             ) -> tuple[programmes.Programme, programmes.Group]:
    if programme not in found:
        raise Refused([Refusal("programme", f"没有项目计划 {programme}；可选：{'、'.join(found)}")])
    groups = {g.code: g for g in found[programme].projects}
    if group not in groups:
        raise Refused([Refusal("group", f"{found[programme].name} 没有项目类别 {group}；"
                                        f"可选：{'、'.join(groups) or '无'}")])
    return found[programme], groups[group]


def _dated(field: str, label: str, day: dt.date, after: dt.date | None, after_label: str,
           today: dt.date) -> list[Refusal]:
    if day > today:
        return [Refusal(field, f"{label} {day} 晚于今天（{today}）")]
    if after is not None and day < after:
        return [Refusal(field, f"{label} {day} 早于{after_label} {after}")]
    if day.year < EARLIEST_YEAR:
        return [Refusal(field, f"{label} {day} 早于 {EARLIEST_YEAR} 年，请检查日期")]
    return []


def find(session: Session, number: str) -> ProgrammeProject | None:
    return session.scalar(select(ProgrammeProject).where(ProgrammeProject.number == number))


def _in_area(found: Mapping[str, programmes.Programme], programme: str, org: Organization) -> None:
    """Refuse (conflict) an organisation not registered inside the programme's area; unknown is not inside."""
    verdict = programmes.admitted(found[programme], org)
    if not verdict.inside:
        _raise([Refusal("organization_id", verdict.message(found[programme].area, org.name), conflict=True)])


def create(session: Session, found: Mapping[str, programmes.Programme], programme: str, group: str,
           org: Organization, number: str, title: str, applied_on: dt.date, today: dt.date,
           actor: str = "") -> ProgrammeProject:
    """A project at 申报 under its 项目编号."""
    group_of(found, programme, group)
    _in_area(found, programme, org)
    refusals = _dated("applied_on", "申报日期", applied_on, None, "", today)
    if not number.strip():
        refusals.append(Refusal("number", "项目编号：必须填写"))
    if not title.strip():
        refusals.append(Refusal("title", "项目名称：必须填写"))
    if number.strip() and find(session, number.strip()) is not None:
        refusals.append(Refusal("number", f"项目编号 {number.strip()} 已存在", conflict=True))
    _raise(refusals)
    project = ProgrammeProject(number=number.strip(), programme=programme, group=group, organization=org,
                               title=title.strip(), stage=ProjectStage.APPLIED, applied_on=applied_on,
                               baseline_year=applied_on.year - 1, eligibility="", override_reason="", note="",
                               actor=actor)
    session.add(project)
    session.flush()
    return project


def _kind(org: Organization) -> str:
    return "university" if org.kind is OrgKind.UNIVERSITY else "enterprise"


def eligibility(session: Session, project: ProgrammeProject, group: programmes.Group) -> programmes.GroupResult:
    """The group's criteria on the organisation's profile for the baseline year."""
    return programmes.judge_group(group, profile(session, project.organization, project.baseline_year))


def requirement(c: programmes.Criterion) -> str:
    """A criterion's requirement in Chinese; a growth KPI of a project compares with its baseline year."""
    if c.growth is not None:
        return f"较起始年度增长 {c.op} {c.growth}"
    if isinstance(c.threshold, bool):
        return "须为是" if c.threshold else "须为否"
    return f"{c.op} {c.threshold}"


def shortfall(result: programmes.GroupResult) -> str:
    """Each criterion not met or unknown, with its figure and the requirement, in Chinese."""
    return "；".join(f"{o.criterion.name}（{programmes.STATUS_LABELS[o.status]}："
                    f"{'无数据' if o.value is None else o.value}，要求 {requirement(o.criterion)}）"
                    for o in result.outcomes if o.status != programmes.MET)


def _approval(session: Session, project: ProgrammeProject, group: programmes.Group, award: Decimal | None,
              co_investment: Decimal | None, override_reason: str) -> list[Refusal]:
    found = []
    funded = bool(group.tranches) or group.max_award is not None
    if award is None and funded:
        found.append(Refusal("award", "资助额：立项时必须填写"))
    elif award is not None and award <= 0:
        found.append(Refusal("award", f"资助额须大于 0（现为 {award} 元）"))
    elif award is not None and group.max_award is not None and award > group.max_award:
        found.append(Refusal("award", f"资助额 {award} 元超过{group.name}上限 {group.max_award} 元"))
    if group.co_investment_min_ratio is not None:
        if co_investment is None:
            found.append(Refusal("co_investment", f"企业自筹投入：{group.name}须填写（不少于资助额的 "
                                                  f"{group.co_investment_min_ratio:.0%}）"))
        elif award is not None and not programmes.co_investment_met(group, award, co_investment):
            found.append(Refusal("co_investment", f"企业自筹投入 {co_investment} 元不足资助额 {award} 元的 "
                                                  f"{group.co_investment_min_ratio:.0%}"
                                                  f"（至少 {award * group.co_investment_min_ratio} 元）"))
    if co_investment is not None and co_investment < 0:
        found.append(Refusal("co_investment", f"企业自筹投入不得为负数（{co_investment} 元）"))
    if found:
        return found
    verdict = eligibility(session, project, group)
    if verdict.status != programmes.MET and not override_reason.strip():
        found.append(Refusal("override_reason", f"{project.organization.name} {project.baseline_year} 年度未确认符合"
                                                f"{group.name}申报条件（{programmes.STATUS_LABELS[verdict.status]}）："
                                                f"{shortfall(verdict)}；数据未知不视为符合。"
                                                "如确需立项，须由运营人员写明理由", conflict=True))
        return found
    project.eligibility = ("符合申报条件" if verdict.status == programmes.MET else
                           f"{programmes.STATUS_LABELS[verdict.status]}：{shortfall(verdict)}")
    project.override_reason = override_reason.strip() if verdict.status != programmes.MET else ""
    project.award, project.co_investment = award, co_investment
    return found


def _acceptance(project: ProgrammeProject, group: programmes.Group, stage: ProjectStage,
                score: Decimal | None) -> list[Refusal]:
    if score is not None and not Decimal(0) <= score <= MAX_SCORE:
        return [Refusal("score", f"验收得分须在 0 到 {MAX_SCORE} 之间（现为 {score}）")]
    if group.pass_score is None:
        project.score = score
        return []
    if score is None:
        return [Refusal("score", f"验收得分：{group.name}验收须填写得分（{group.pass_score} 分及以上为合格）")]
    passed = programmes.acceptance_passed(group, score)
    if passed != (stage is ProjectStage.ACCEPTED):
        should = ProjectStage.ACCEPTED if passed else ProjectStage.FAILED
        return [Refusal("stage", f"验收得分 {score} 分，{group.pass_score} 分及以上为合格：应为"
                                 f"{STAGE_LABELS[should]}（{should.value}），不是{STAGE_LABELS[stage]}")]
    project.score = score
    return []


def _last_date(project: ProgrammeProject) -> tuple[dt.date, str]:
    for day, label in ((project.concluded_on, "验收日期"), (project.midterm_on, "中期检查日期"),
                       (project.approved_on, "立项日期")):
        if day is not None:
            return day, label
    return project.applied_on, "申报日期"


def advance(session: Session, found: Mapping[str, programmes.Programme], project: ProgrammeProject,
            stage: ProjectStage, on: dt.date, today: dt.date, *, award: Decimal | None = None,
            co_investment: Decimal | None = None, score: Decimal | None = None, override_reason: str = "",
            note: str = "", actor: str = "") -> ProgrammeProject:
    """Move the project to its next stage on `on`; refused when out of order, misdated or against the rules."""
    _, group = group_of(found, project.programme, project.group)
    allowed = NEXT.get(project.stage, ())
    if stage not in allowed:
        following = "、".join(f"{STAGE_LABELS[s]}（{s.value}）" for s in allowed) or "无（项目已验收结束）"
        _raise([Refusal("stage", f"项目 {project.number} 现处于{STAGE_LABELS[project.stage]}阶段，"
                                 f"不能转为{STAGE_LABELS[stage]}；下一阶段只能是：{following}", conflict=True)])
    # every stage, not only 立项: the organisation's place may have changed since (or predate the area check)
    _in_area(found, project.programme, project.organization)
    last, last_label = _last_date(project)
    label = {ProjectStage.APPROVED: "立项日期", ProjectStage.MIDTERM: "中期检查日期"}.get(stage, "验收日期")
    _raise(_dated("on", label, on, last, last_label, today))
    if stage is ProjectStage.APPROVED:
        _raise(_approval(session, project, group, award, co_investment, override_reason))
        project.approved_on = on
    elif stage is ProjectStage.MIDTERM:
        project.midterm_on = on
    else:
        _raise(_acceptance(project, group, stage, score))
        project.concluded_on = on
    if note.strip():
        project.note = "\n".join(filter(None, [project.note, f"{STAGE_LABELS[stage]}（{on}）：{note.strip()}"]))
    project.stage = stage
    project.actor = actor or project.actor
    session.flush()
    return project


# ---- funding tranches ----

@dataclass(frozen=True)
class Due:
    tranche: int  # from 1
    name: str
    amount: Decimal
    on_acceptance: bool  # the last of two or more tranches is paid only after acceptance passed
    paid: ProjectPayment | None


def schedule(project: ProgrammeProject, group: programmes.Group) -> list[Due]:
    """The group's tranches for the project's award (programmes.tranche_amounts) and what was paid."""
    if project.award is None or not group.tranches:
        return []
    paid = {p.tranche: p for p in project.payments}
    amounts = programmes.tranche_amounts(group, project.award)
    return [Due(i, name, amount, len(amounts) > 1 and i == len(amounts), paid.get(i))
            for i, (name, amount) in enumerate(amounts, start=1)]


def pay(session: Session, found: Mapping[str, programmes.Programme], project: ProgrammeProject, tranche: int,
        paid_on: dt.date, today: dt.date, amount: Decimal | None = None, actor: str = "") -> ProjectPayment:
    """Record tranche `tranche` (from 1) paid on `paid_on`; `amount` defaults to the tranche's share."""
    _, group = group_of(found, project.programme, project.group)
    _in_area(found, project.programme, project.organization)
    if project.stage is ProjectStage.APPLIED or project.award is None:
        _raise([Refusal("tranche", f"项目 {project.number} 尚未立项（或未定资助额），不能拨付", conflict=True)])
    dues = schedule(project, group)
    if not dues:
        _raise([Refusal("tranche", f"{group.name}没有分期拨付规定")])
    if not 1 <= tranche <= len(dues):
        _raise([Refusal("tranche", f"第 {tranche} 期不存在：{group.name}共 {len(dues)} 期"
                                   f"（{'、'.join(d.name for d in dues)}）")])
    due = dues[tranche - 1]
    if due.paid is not None:
        _raise([Refusal("tranche", f"第 {tranche} 期（{due.name}）已于 {due.paid.paid_on} 拨付 "
                                   f"{due.paid.amount} 元，不能重复拨付", conflict=True)])
    unpaid = [d for d in dues[: tranche - 1] if d.paid is None]
    if unpaid:
        _raise([Refusal("tranche", f"须按顺序拨付：第 {unpaid[0].tranche} 期（{unpaid[0].name}）尚未拨付",
                        conflict=True)])
    if due.on_acceptance and project.stage is not ProjectStage.ACCEPTED:
        _raise([Refusal("tranche", f"第 {tranche} 期（{due.name}）须在验收通过后拨付；项目现处于"
                                   f"{STAGE_LABELS[project.stage]}阶段", conflict=True)])
    after, after_label = ((project.concluded_on, "验收日期") if due.on_acceptance else
                          (project.approved_on, "立项日期"))
    earlier = [d.paid.paid_on for d in dues[: tranche - 1] if d.paid is not None]
    if earlier and max(earlier) > after:
        after, after_label = max(earlier), "上一期拨付日期"
    refusals = _dated("paid_on", "拨付日期", paid_on, after, after_label, today)
    amount = due.amount if amount is None else amount
    paid_so_far = sum((d.paid.amount for d in dues if d.paid is not None), Decimal(0))
    if amount <= 0:
        refusals.append(Refusal("amount", f"拨付金额须大于 0（现为 {amount} 元）"))
    elif amount > due.amount:
        refusals.append(Refusal("amount", f"拨付金额 {amount} 元超过第 {tranche} 期应拨 {due.amount} 元"))
    elif paid_so_far + amount > project.award:
        refusals.append(Refusal("amount", f"累计拨付 {paid_so_far + amount} 元将超过资助额 {project.award} 元"))
    _raise(refusals)
    payment = ProjectPayment(tranche=tranche, tranche_name=due.name, amount=amount, paid_on=paid_on, actor=actor)
    project.payments.append(payment)
    session.flush()
    return payment


# ---- KPIs: the programme's definitions, the baseline year against the latest complete year ----

@dataclass(frozen=True)
class Kpis:
    baseline_year: int
    latest_year: int
    outcomes: tuple[programmes.Outcome, ...]


def kpi_criteria(programme: programmes.Programme, group: programmes.Group, kind: str) -> list[programmes.Criterion]:
    """A KPI applies to every project (applies_to "" or "project"), to the organisation's kind, or to the group
    by its code; a group's own KPI on an indicator replaces the general "project" one (基地 +30% for +25%)."""
    own = {k.terms[0].indicator for k in programme.kpis if k.applies_to == group.code and group.code != "project"}
    return [k for k in programme.kpis
            if k.applies_to in ("", kind, group.code)
            or (k.applies_to == "project" and k.terms[0].indicator not in own)]


def project_kpis(session: Session, found: Mapping[str, programmes.Programme], project: ProgrammeProject,
                 today: dt.date) -> Kpis:
    """Each KPI on the latest complete year (the year before acceptance, or last year), a growth KPI against
    the baseline year; with no complete year after the baseline a growth KPI is unknown, never met."""
    programme, group = group_of(found, project.programme, project.group)
    latest = (project.concluded_on or today).year - 1
    verdict = programmes.admitted(programme, project.organization)
    if not verdict.inside:  # an organisation of another region is not graded: each KPI unknown, saying why
        why = verdict.message(programme.area, project.organization.name)
        return Kpis(project.baseline_year, latest, tuple(
            programmes.Outcome(c, programmes.UNKNOWN, None, why)
            for c in kpi_criteria(programme, group, _kind(project.organization))))
    figures = profile(session, project.organization, latest)
    start = profile(session, project.organization, project.baseline_year) if latest > project.baseline_year else {}
    outcomes = []
    for criterion in kpi_criteria(programme, group, _kind(project.organization)):
        if criterion.growth is None:
            outcomes.append(programmes.judge(criterion, figures))
            continue
        name = criterion.terms[0].indicator
        if not start:
            outcomes.append(programmes.Outcome(criterion, programmes.UNKNOWN, None,
                                               f"起始年度 {project.baseline_year} 之后尚无完整年度可比"))
            continue
        judged = programmes.judge(criterion, figures, start)
        then = start.get(name, Figure(None, ""))
        zero = "（起始年度为 0，增长率无从计算）" if then.value == 0 else ""
        outcomes.append(dataclasses.replace(judged, evidence=f"{latest} 年：{figures[name].source}；"
                                                             f"起始 {project.baseline_year} 年：{then.source}{zero}"))
    return Kpis(project.baseline_year, latest, tuple(outcomes))
