"""Programmes as data: each JSON file beside this module is one programme's rules (苏州强企培育, 浙江高价值专利
培育 …); a province adds or changes one by adding or editing a file, with no code.

A file declares its area (`area`: a province, or a province and a prefecture-level city; data/programme_areas.py):
only organisations registered inside it are evaluated, and `check` refuses any other (NotInArea). A file names
tiers (ordered lowest first; a tier is reached when its criteria and those of every tier below
are met), projects (eligibility criteria, funding tranches, an acceptance pass score), KPIs (a level or a
growth over the year before) and, optionally, a rolling review (a tier moves down after N consecutive
declining years). Each criterion names the indicator it reads (data/profiles.py INDICATORS), the comparison,
the threshold and the policy sentence it comes from (`source`); a sentence not checked against the
programme text starts with UNVERIFIED ("未核对原文：…"), which the pages count and show.

Evaluation reads an organisation's profile for a year: each criterion is met, not met or unknown (data
missing), with the figure and the record it came from. Unknown never counts as met: a group with an unknown
criterion and none failed is unknown, and only a met group reaches a tier or eligibility.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from data.profiles import INDICATORS, Figure
from data.programme_areas import Area, Verdict, area_of, organization_membership

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
UNVERIFIED = "未核对原文："  # how a criterion's source starts until it is checked against the policy text
STATUS_LABELS = {MET: "符合", NOT_MET: "不符合", UNKNOWN: "未知（缺数据）"}
OPS: dict[str, Callable[[Any, Any], bool]] = {">=": operator.ge, ">": operator.gt, "<=": operator.le,
                                              "<": operator.lt, "==": operator.eq}


class ProgrammeError(ValueError):
    """A programme file that cannot be used; the message names the file and the criterion, in Chinese."""


class NotInArea(LookupError):
    """The organisation is not registered inside the programme's area (outside, or its place unknown): it is
    not evaluated. The message says so in Chinese, naming the area and the reason."""

    def __init__(self, programme: Programme, organization: str, verdict: Verdict) -> None:
        self.programme, self.organization, self.verdict = programme, organization, verdict
        super().__init__(verdict.message(programme.area, organization))


@dataclass(frozen=True)
class Term:
    indicator: str
    weight: Decimal


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    terms: tuple[Term, ...]  # one term (weight 1) for a plain indicator; several for a weighted sum
    op: str
    threshold: Any  # a number, or a bool for a status
    source: str
    growth: Decimal | None = None  # a KPI comparing the year with the year before
    applies_to: str = ""


@dataclass(frozen=True)
class Tranche:
    name: str
    share: Decimal  # of the award


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    criteria: tuple[Criterion, ...]
    tranches: tuple[Tranche, ...] = ()
    max_award: Decimal | None = None
    co_investment_min_ratio: Decimal | None = None
    pass_score: Decimal | None = None


@dataclass(frozen=True)
class Review:
    indicators: tuple[str, ...]
    years: int
    move_down: int
    source: str


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    path: str
    tiers: tuple[Group, ...]
    projects: tuple[Group, ...]
    kpis: tuple[Criterion, ...]
    review: Review | None
    area: Area
    note: str = ""


def programmes_dir() -> Path:
    return Path(str(resources.files("data").joinpath("programmes")))


# ---- loading and validation ----

def _number(raw: Any, where: str, what: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ProgrammeError(f"{where}：{what} 须为数字（现为 {raw!r}）")
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        raise ProgrammeError(f"{where}：{what} 须为数字（现为 {raw!r}）") from None


def _criterion(raw: Any, where: str) -> Criterion:
    if not isinstance(raw, dict):
        raise ProgrammeError(f"{where}：每条标准须为一个对象")
    code = str(raw.get("code") or "").strip()
    where = f"{where} 标准 {code or '（无 code）'}"
    for key in ("code", "name", "source"):
        if not str(raw.get(key) or "").strip():
            raise ProgrammeError(f"{where}：缺少 {key}（每条标准须写明编号、名称和出处原文）")
    listed = raw.get("terms") or ([{"indicator": raw.get("indicator"), "weight": 1}] if raw.get("indicator") else [])
    if not listed:
        raise ProgrammeError(f"{where}：缺少 indicator（读取的指标）")
    terms = []
    for term in listed:
        name = term.get("indicator") if isinstance(term, dict) else None
        if name not in INDICATORS:
            raise ProgrammeError(f"{where}：未知指标 {name!r}；可用指标：{'、'.join(INDICATORS)}")
        terms.append(Term(name, _number(term.get("weight", 1), where, "weight")))
    op = raw.get("op")
    if op not in OPS:
        raise ProgrammeError(f"{where}：比较方式 op 须为 {' '.join(OPS)} 之一（现为 {op!r}）")
    growth = _number(raw["growth"], where, "growth") if "growth" in raw else None
    if growth is None and "threshold" not in raw:
        raise ProgrammeError(f"{where}：缺少 threshold（门槛）")
    threshold = raw.get("threshold")
    if threshold is not None and not isinstance(threshold, bool):
        threshold = _number(threshold, where, "threshold")
    if isinstance(threshold, bool) and (op != "==" or len(terms) > 1):
        raise ProgrammeError(f"{where}：是/否门槛只能用 ==，且只读一个指标")
    return Criterion(code, str(raw["name"]), tuple(terms), op, threshold, str(raw["source"]), growth,
                     str(raw.get("applies_to") or ""))


def _group(raw: Any, where: str) -> Group:
    if not isinstance(raw, dict) or not raw.get("code") or not raw.get("name"):
        raise ProgrammeError(f"{where}：每一档或每类项目须有 code 和 name")
    where = f"{where} {raw['code']}"
    criteria = tuple(_criterion(c, where) for c in raw.get("criteria") or [])
    if not criteria:
        raise ProgrammeError(f"{where}：至少须有一条标准")
    funding = raw.get("funding") or {}
    max_award = _number(funding["max_award"], where, "funding.max_award") if "max_award" in funding else None
    tranches = []
    for item in funding.get("tranches") or []:
        if "share" in item:
            share = _number(item["share"], where, "tranche share")
        elif max_award:
            share = _number(item.get("amount"), where, "tranche amount") / max_award
        else:
            raise ProgrammeError(f"{where}：分期拨付写金额（amount）时须给出 max_award，否则写比例（share）")
        tranches.append(Tranche(str(item.get("name") or f"第 {len(tranches) + 1} 期"), share))
    if tranches and sum(t.share for t in tranches) != 1:
        raise ProgrammeError(f"{where}：分期拨付之和须等于资助总额（现为 {sum(t.share for t in tranches)}）")
    ratio = funding.get("co_investment_min_ratio")
    score = (raw.get("acceptance") or {}).get("pass_score")
    return Group(str(raw["code"]), str(raw["name"]), criteria, tuple(tranches), max_award,
                 _number(ratio, where, "co_investment_min_ratio") if ratio is not None else None,
                 _number(score, where, "acceptance.pass_score") if score is not None else None)


def load(path: Path) -> Programme:
    where = path.name
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProgrammeError(f"{where}：无法读取或不是合法的 JSON（{exc}）") from None
    if not isinstance(raw, dict) or not raw.get("code") or not raw.get("name"):
        raise ProgrammeError(f"{where}：须为一个对象，含 code 和 name")
    tiers = tuple(_group(t, f"{where} 档次") for t in raw.get("tiers") or [])
    projects = tuple(_group(p, f"{where} 项目") for p in raw.get("projects") or [])
    kpis = tuple(_criterion(k, f"{where} 绩效指标") for k in raw.get("kpis") or [])
    codes = [c.code for g in (*tiers, *projects) for c in g.criteria] + [k.code for k in kpis]
    if len(codes) != len(set(codes)):
        raise ProgrammeError(f"{where}：标准编号重复：{'、'.join(sorted({c for c in codes if codes.count(c) > 1}))}")
    try:
        area = area_of(raw.get("area"))
    except ValueError as exc:
        raise ProgrammeError(f"{where} {exc}") from None
    review = None
    if raw.get("rolling_review"):
        r = raw["rolling_review"]
        unknown = [i for i in r.get("indicators") or [] if i not in INDICATORS]
        if unknown or not r.get("indicators") or not r.get("source"):
            raise ProgrammeError(f"{where} rolling_review：须列出已知指标和出处（未知：{'、'.join(unknown) or '无'}）")
        review = Review(tuple(r["indicators"]), int(r.get("years", 3)), int(r.get("move_down", 1)), str(r["source"]))
    return Programme(str(raw["code"]), str(raw["name"]), where, tiers, projects, kpis, review, area,
                     str(raw.get("note", "")))


def available(directory: Path | None = None) -> dict[str, Programme]:
    found = [load(p) for p in sorted((directory or programmes_dir()).glob("*.json"))]
    return {p.code: p for p in found}


# ---- evaluation ----

@dataclass(frozen=True)
class Outcome:
    criterion: Criterion
    status: str  # MET, NOT_MET or UNKNOWN
    value: Any  # the figure compared (a weighted sum, a growth rate); None when unknown
    evidence: str  # the records it was read from, or why it is unknown


@dataclass(frozen=True)
class GroupResult:
    group: Group
    status: str
    outcomes: tuple[Outcome, ...]


def overall(outcomes: tuple[Outcome, ...] | list[Outcome]) -> str:
    statuses = {o.status for o in outcomes}
    return NOT_MET if NOT_MET in statuses else UNKNOWN if UNKNOWN in statuses else MET


def _compare(op: str, value: Any, threshold: Any) -> bool:
    if isinstance(threshold, bool):
        return isinstance(value, bool) and OPS[op](value, threshold)
    return OPS[op](Decimal(str(value)), threshold)


def judge(criterion: Criterion, figures: Mapping[str, Figure], before: Mapping[str, Figure] | None = None) -> Outcome:
    """One criterion against a year's figures (and, for a growth KPI, the year before's)."""
    if criterion.growth is not None:
        name = criterion.terms[0].indicator
        now, then = figures[name], (before or {}).get(name, Figure(None, "无上一年度数据"))
        evidence = f"本年：{now.source}；上年：{then.source}"
        if now.value is None or then.value is None or not then.value:
            return Outcome(criterion, UNKNOWN, None, evidence + ("（上年为 0，增长率无从计算）"
                                                                 if then.value == 0 else ""))
        rate = ((Decimal(str(now.value)) - Decimal(str(then.value))) / Decimal(str(then.value))).quantize(
            Decimal("0.0001"))
        return Outcome(criterion, MET if OPS[criterion.op](rate, criterion.growth) else NOT_MET, rate, evidence)
    read = [(t, figures[t.indicator]) for t in criterion.terms]
    evidence = "；".join(f"{INDICATORS[t.indicator]}：{f.source}" for t, f in read)
    if len(read) == 1:
        value = read[0][1].value
        if value is None:
            return Outcome(criterion, UNKNOWN, None, evidence)
        status = MET if _compare(criterion.op, value, criterion.threshold) else NOT_MET
        return Outcome(criterion, status, value * read[0][0].weight if read[0][0].weight != 1 else value, evidence)
    # A weighted sum of non-negative counts (境外专利 1 件折算 2 件): the known terms are a lower bound, so a
    # floor they already reach is met even with a term unknown; otherwise an unknown term leaves it unknown.
    known = sum((Decimal(str(f.value)) * t.weight for t, f in read if f.value is not None), Decimal(0))
    if all(f.value is not None for _, f in read):
        return Outcome(criterion, MET if _compare(criterion.op, known, criterion.threshold) else NOT_MET, known,
                       evidence)
    if criterion.op in (">=", ">") and _compare(criterion.op, known, criterion.threshold):
        return Outcome(criterion, MET, known, evidence)
    return Outcome(criterion, UNKNOWN, None, evidence)


def judge_group(group: Group, figures: Mapping[str, Figure]) -> GroupResult:
    outcomes = tuple(judge(c, figures) for c in group.criteria)
    return GroupResult(group, overall(outcomes), outcomes)


def declined(now: Mapping[str, Figure], before: Mapping[str, Figure], indicators: tuple[str, ...]) -> bool:
    """A declining year: an indicator known in both years fell and none rose. Unknown figures cannot show a
    decline, so a year without two comparable figures never counts against the enterprise."""
    pairs = [(now[i].value, before[i].value) for i in indicators
             if now[i].value is not None and before[i].value is not None]
    return any(a < b for a, b in pairs) and not any(a > b for a, b in pairs)


@dataclass(frozen=True)
class Standing:
    programme: Programme
    organization: str
    year: int
    tiers: tuple[GroupResult, ...]
    reached: Group | None  # the highest tier whose criteria and those below are all met
    tier: Group | None  # after the rolling review
    declining_years: tuple[int, ...]  # the consecutive declining years ending with `year`
    projects: tuple[GroupResult, ...]
    kpis: tuple[Outcome, ...]


def standing(programme: Programme, organization: str, year: int,
             figures_for: Callable[[int], Mapping[str, Figure]], kind: str = "enterprise") -> Standing:
    """Evaluate an organisation for a year; `figures_for(year)` gives its profile (data/profiles.profile)."""
    figures = figures_for(year)
    tiers = tuple(judge_group(t, figures) for t in programme.tiers)
    reached_at = -1
    for index, result in enumerate(tiers):
        if result.status != MET:
            break
        reached_at = index
    declines: list[int] = []
    if programme.review is not None and reached_at >= 0:
        profiles = {y: figures_for(y) for y in range(year - programme.review.years, year)} | {year: figures}
        for y in range(year, year - programme.review.years, -1):
            if not declined(profiles[y], profiles[y - 1], programme.review.indicators):
                break
            declines.append(y)
    moved = reached_at
    if programme.review is not None and len(declines) >= programme.review.years:
        moved = reached_at - programme.review.move_down
    previous = figures_for(year - 1) if any(k.growth is not None for k in programme.kpis) else {}
    kpis = tuple(judge(k, figures, previous) for k in programme.kpis if k.applies_to in ("", "project", kind))
    return Standing(programme, organization, year, tiers,
                    programme.tiers[reached_at] if reached_at >= 0 else None,
                    programme.tiers[moved] if moved >= 0 else None, tuple(sorted(declines)),
                    tuple(judge_group(p, figures) for p in programme.projects), kpis)


# ---- funding and acceptance ----

def tranche_amounts(group: Group, award: Decimal) -> list[tuple[str, Decimal]]:
    """The award split into the group's tranches, in fen; the last tranche takes the rounding so they sum to it."""
    if group.max_award is not None and award > group.max_award:
        raise ValueError(f"{group.name}：资助额 {award} 元超过上限 {group.max_award} 元")
    amounts: list[tuple[str, Decimal]] = []
    for index, tranche in enumerate(group.tranches):
        last = index == len(group.tranches) - 1
        amount = award - sum(a for _, a in amounts) if last else (award * tranche.share).quantize(Decimal("0.01"))
        amounts.append((tranche.name, amount))
    return amounts


def co_investment_met(group: Group, award: Decimal, invested: Decimal) -> bool:
    """The enterprise's own investment is at least the programme's ratio of the award (登峰: 200%)."""
    return group.co_investment_min_ratio is None or invested >= award * group.co_investment_min_ratio


def acceptance_passed(group: Group, score: Decimal) -> bool:
    if group.pass_score is None:
        raise ValueError(f"{group.name}：该项目没有验收分数线")
    return score >= group.pass_score


def admitted(programme: Programme, org: Any) -> Verdict:
    """Whether the organisation is registered inside the programme's area; unknown is never inside."""
    return organization_membership(programme.area, org)


def check(session: Any, programme: Programme, org: Any, year: int) -> Standing:
    """An organisation's standing for a year from the records (data/profiles.py); NotInArea for an organisation
    not registered inside the programme's area, so no path grades an enterprise of another region."""
    from data.enums import OrgKind
    from data.profiles import profile

    verdict = admitted(programme, org)
    if not verdict.inside:
        raise NotInArea(programme, org.name, verdict)

    kind = "university" if org.kind is OrgKind.UNIVERSITY else "enterprise"
    return standing(programme, org.name, year, lambda y: profile(session, org, y), kind)
