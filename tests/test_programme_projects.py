"""Programme projects (data/programmes/projects.py): stages in order and dated, eligibility refused or overridden
with a stored reason, tranches in order summing to the award and never above it, acceptance at, just above and
just below 70, 登峰 co-investment, KPIs met / not met / unknown; through the functions, the API (SQLite and
PostgreSQL) and the CLI; and the demo holding projects at every stage."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from data import programmes
from data.db import transaction
from data.demo import demo_dir, load_demo, load_demo_projects
from data.enterprise import Refused
from data.imports.loader import import_file
from data.models import AuditEntry, EnterpriseYear, Organization, ProgrammeProject
from data.profiles import INDICATORS, Figure
from data.programmes import MET, NOT_MET, UNKNOWN
from data.programmes import projects as rules
from data.project_models import ProjectStage
from tests.api_support import OWN_SME, call
from tests.conftest import TODAY

APPLIED, APPROVED, MIDTERM = ProjectStage.APPLIED, ProjectStage.APPROVED, ProjectStage.MIDTERM
ACCEPTED, FAILED = ProjectStage.ACCEPTED, ProjectStage.FAILED
FOUND = programmes.available()
D = dt.date
SPRING_2024 = D(2024, 3, 1)
REASON = "申报材料载明有效发明专利 30 件，平台记录不全，经评审同意立项"
# A programme written for the tests: its eligibility reads two reported figures, so "met" is reachable.
PLAIN = {"code": "test_plain", "name": "测试计划", "area": {"province": "江苏省"}, "tiers": [], "kpis": [], "projects": [
    {"code": "plain", "name": "测试项目", "criteria": [
        {"code": "plain.revenue", "name": "营业收入", "indicator": "revenue", "op": ">=", "threshold": 20000000,
         "source": "test"},
        {"code": "plain.high_tech", "name": "高新技术企业", "indicator": "high_tech", "op": "==", "threshold": True,
         "source": "test"}],
     "funding": {"tranches": [{"name": "立项后", "share": 0.4}, {"name": "验收后", "share": 0.6}]},
     "acceptance": {"pass_score": 70}}]}


@pytest.fixture
def found(tmp_path) -> dict[str, programmes.Programme]:
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(PLAIN, ensure_ascii=False), encoding="utf-8")
    return FOUND | {"test_plain": programmes.load(path)}


@pytest.fixture
def records(engine):
    """The demo's organisations and yearly figures (no patents: the counted figures are 0)."""
    for kind, name in (("orgs", "orgs.csv"), ("enterprise_years", "enterprise_years.csv")):
        import_file(engine, kind, demo_dir() / name, today=TODAY)
    return engine


def _org(session, name: str) -> Organization:  # noqa: ANN001
    return session.scalar(select(Organization).where(Organization.name == name))


# A demo organisation inside each programme's area (an application from outside it is refused).
ZJ_ORG, SZ_ORG = "杭州云途数据科技有限公司", "苏州感知物联科技有限公司"
MEMBER = {"zhejiang_gaojiazhi": ZJ_ORG, "suzhou_qiangqi": SZ_ORG, "test_plain": OWN_SME}


def _new(session, found, programme="zhejiang_gaojiazhi", group="project", org=None,  # noqa: ANN001
         number="T-1", applied_on=SPRING_2024) -> ProgrammeProject:
    return rules.create(session, found, programme, group, _org(session, org or MEMBER.get(programme, ZJ_ORG)), number, "测试项目",
                        applied_on, TODAY)


def _refused(call_, field: str, *texts: str, conflict: bool | None = None) -> None:  # noqa: ANN001
    with pytest.raises(Refused) as caught:
        call_()
    assert [r.field for r in caught.value.refusals] == [field], caught.value
    assert all(t in str(caught.value) for t in texts), str(caught.value)
    if conflict is not None:
        assert caught.value.conflict is conflict


# ---- stages: forward, one at a time, dated in order ----

def test_stages_go_forward_in_order_each_dated_on_or_after_the_one_before(records, found):
    with transaction(records) as s:
        p = _new(s, found, "test_plain", "plain")  # 南京储能云 2023: revenue 21.3M, 高新 — eligible
        _refused(lambda: rules.advance(s, found, p, MIDTERM, D(2024, 6, 1), TODAY), "stage", "申报阶段",
                 "不能转为中期检查", "立项（approved）", conflict=True)
        _refused(lambda: rules.advance(s, found, p, APPROVED, D(2024, 2, 29), TODAY, award=Decimal(1000)), "on",
                 "立项日期 2024-02-29 早于申报日期 2024-03-01")
        _refused(lambda: rules.advance(s, found, p, APPROVED, TODAY + dt.timedelta(days=1), TODAY,
                                       award=Decimal(1000)), "on", "晚于今天")
        rules.advance(s, found, p, APPROVED, D(2024, 3, 1), TODAY, award=Decimal(1000))  # the same day is fine
        _refused(lambda: rules.advance(s, found, p, APPROVED, D(2024, 4, 1), TODAY, award=Decimal(1000)), "stage",
                 "立项阶段", conflict=True)
        _refused(lambda: rules.advance(s, found, p, ACCEPTED, D(2025, 4, 1), TODAY, score=Decimal(80)), "stage",
                 "中期检查（midterm）")
        rules.advance(s, found, p, MIDTERM, D(2025, 3, 1), TODAY, note="进度正常")
        _refused(lambda: rules.advance(s, found, p, ACCEPTED, D(2025, 2, 28), TODAY, score=Decimal(80)), "on",
                 "验收日期 2025-02-28 早于中期检查日期 2025-03-01")
        rules.advance(s, found, p, ACCEPTED, D(2026, 3, 1), TODAY, score=Decimal(80))
        for stage in (APPROVED, MIDTERM, ACCEPTED, FAILED):
            _refused(lambda stage=stage: rules.advance(s, found, p, stage, D(2026, 4, 1), TODAY, score=Decimal(80)),
                     "stage", "项目已验收结束")
        assert (p.stage, p.approved_on, p.midterm_on, p.concluded_on) == (ACCEPTED, D(2024, 3, 1), D(2025, 3, 1),
                                                                          D(2026, 3, 1))
        assert "中期检查（2025-03-01）：进度正常" in p.note


def test_a_project_names_a_known_group_and_a_unique_number(records, found):
    with transaction(records) as s:
        _refused(lambda: _new(s, found, group="nope"), "group", "没有项目类别 nope", "project、base")
        _refused(lambda: _new(s, found, programme="nope"), "programme", "没有项目计划 nope")
        _refused(lambda: _new(s, found, applied_on=TODAY + dt.timedelta(days=1)), "applied_on", "晚于今天")
        _new(s, found)
        _refused(lambda: _new(s, found), "number", "项目编号 T-1 已存在", conflict=True)
        # another province's enterprise, and one whose place is not registered, may not apply
        _refused(lambda: _new(s, found, org=OWN_SME, number="T-2"), "organization_id",
                 "南京储能云科技有限公司 不在本项目地区范围（浙江省）内", conflict=True)  # 409, as at 立项
        _refused(lambda: _new(s, found, "suzhou_qiangqi", "dengfeng", org=ZJ_ORG, number="T-3"), "organization_id",
                 "不在本项目地区范围（江苏省苏州市）内")
        _org(s, SZ_ORG).city = None
        _refused(lambda: _new(s, found, "suzhou_qiangqi", "dengfeng", number="T-4"), "organization_id",
                 "地区未知", "未登记城市")


# ---- eligibility at approval ----

def test_approval_needs_eligibility_met_else_a_written_reason_which_is_stored(records, found):
    with transaction(records) as s:
        p = _new(s, found)  # 杭州云途, baseline 2023: 0 effective inventions in these records
        approve = dict(award=Decimal(500_000))
        _refused(lambda: rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, **approve), "override_reason",
                 "2023 年度未确认符合高价值专利培育项目申报条件（未知（缺数据））", "有效发明专利不少于25件", "要求 >= 25", conflict=True)
        _refused(lambda: rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, override_reason="  ", **approve),
                 "override_reason", "须由运营人员写明理由")
        assert p.stage is APPLIED and p.award is None
        rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, override_reason=REASON, **approve)
        assert (p.stage, p.override_reason) == (APPROVED, REASON)
        # 0 held, 境外 unknown (one 境外 patent counts 2, so 0 + unknown may still reach 25): unknown, not met
        assert p.eligibility.startswith("未知（缺数据）：有效发明专利不少于25件")
        assert "研发投入占营业收入比例" not in p.eligibility  # met criteria are not named as failing


def test_unknown_is_refused_like_not_met_and_met_needs_no_reason(records, found):
    with transaction(records) as s:
        unknown = _new(s, found, "test_plain", "plain", org="南京智冷链物流科技有限公司", number="U-1",
                       applied_on=D(2026, 3, 1))  # its 2025 figures, made eligible but for 高新 unknown
        row = s.scalar(select(EnterpriseYear).where(EnterpriseYear.organization_id == unknown.organization_id))
        row.revenue, row.high_tech = Decimal(25_000_000), None
        _refused(lambda: rules.advance(s, found, unknown, APPROVED, D(2026, 4, 1), TODAY, award=Decimal(10)),
                 "override_reason", "高新技术企业（未知（缺数据）：无数据，要求 须为是）", "数据未知不视为符合")
        row.high_tech = True
        rules.advance(s, found, unknown, APPROVED, D(2026, 4, 1), TODAY, award=Decimal(10),
                      override_reason="写了也不存：条件已符合")
        assert (unknown.eligibility, unknown.override_reason) == ("符合申报条件", "")


def test_approval_rechecks_the_area_of_a_project_recorded_before(records, found):
    with transaction(records) as s:
        p = _new(s, found)
        p.organization = _org(s, OWN_SME)  # as a project recorded before areas were checked would be
        _refused(lambda: rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, award=Decimal(500_000),
                                       override_reason=REASON), "organization_id",
                 "南京储能云科技有限公司 不在本项目地区范围（浙江省）内", conflict=True)
        assert p.stage is APPLIED


def test_every_later_stage_and_payment_rechecks_the_area_and_kpis_are_not_graded_outside(records, found):
    outside = "南京储能云科技有限公司 不在本项目地区范围（浙江省）内"
    with transaction(records) as s:
        p = _new(s, found)
        rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, award=Decimal(500_000), override_reason=REASON)
        assert {o.status for o in rules.project_kpis(s, found, p, TODAY).outcomes} <= {MET, NOT_MET, UNKNOWN}
        p.organization = _org(s, OWN_SME)  # the organisation's registered place changed after 立项
        _refused(lambda: rules.pay(s, found, p, 1, D(2024, 7, 1), TODAY), "organization_id", outside, conflict=True)
        _refused(lambda: rules.advance(s, found, p, MIDTERM, D(2025, 1, 1), TODAY), "organization_id", outside,
                 conflict=True)
        assert (p.stage, p.payments) == (APPROVED, [])
        kpis = rules.project_kpis(s, found, p, TODAY).outcomes
        assert kpis and all(o.status == UNKNOWN and o.value is None and outside in o.evidence for o in kpis)
        p.organization = _org(s, ZJ_ORG)
        rules.advance(s, found, p, MIDTERM, D(2025, 1, 1), TODAY)
        p.organization.city, p.organization.province = "普陀区", None  # a district alone: unknown
        for stage, score in ((ACCEPTED, Decimal(80)), (FAILED, Decimal(50))):
            _refused(lambda stage=stage, score=score: rules.advance(s, found, p, stage, D(2025, 6, 1), TODAY,
                                                                    score=score),
                     "organization_id", "地区未知", "请登记省份", conflict=True)
        assert p.stage is MIDTERM


# ---- award, co-investment, tranches ----

@pytest.mark.parametrize("award, co_investment, field, text", [
    (Decimal("1000000.01"), Decimal(3_000_000), "award", "超过登峰计划项目上限 1000000 元"),
    (Decimal(1_000_000), Decimal("1999999.99"), "co_investment", "不足资助额 1000000 元的 200%"),
    (Decimal(1_000_000), None, "co_investment", "登峰计划项目须填写"),
    (None, Decimal(1), "award", "立项时必须填写"),
    (Decimal(0), Decimal(1), "award", "须大于 0"),
])
def test_dengfeng_award_is_capped_and_needs_double_co_investment(records, found, award, co_investment, field, text):
    with transaction(records) as s:
        p = _new(s, found, "suzhou_qiangqi", "dengfeng")
        _refused(lambda: rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, award=award,
                                       co_investment=co_investment, override_reason=REASON), field, text)


def test_dengfeng_tranches_are_300000_then_700000_after_acceptance(records, found):
    with transaction(records) as s:
        p = _new(s, found, "suzhou_qiangqi", "dengfeng")
        _refused(lambda: rules.pay(s, found, p, 1, D(2024, 6, 1), TODAY), "tranche", "尚未立项", conflict=True)
        rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, award=Decimal(1_000_000),
                      co_investment=Decimal(2_000_000), override_reason=REASON)
        assert [(d.amount, d.on_acceptance) for d in rules.schedule(p, found["suzhou_qiangqi"].projects[0])] == [
            (Decimal(300_000), False), (Decimal(700_000), True)]
        assert rules.pay(s, found, p, 1, D(2024, 6, 2), TODAY).amount == Decimal(300_000)
        rules.advance(s, found, p, MIDTERM, D(2025, 1, 1), TODAY)
        _refused(lambda: rules.pay(s, found, p, 2, D(2025, 2, 1), TODAY), "tranche", "须在验收通过后拨付",
                 conflict=True)
        rules.advance(s, found, p, ACCEPTED, D(2025, 6, 1), TODAY)  # 登峰 has no pass score in its file
        rules.pay(s, found, p, 2, D(2025, 6, 1), TODAY)
        assert sum(x.amount for x in p.payments) == p.award == Decimal(1_000_000)


def test_tranches_are_paid_once_in_order_never_above_their_share_and_sum_to_the_award(records, found):
    with transaction(records) as s:
        p = _new(s, found)
        rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, award=Decimal("100000.01"), override_reason=REASON)
        _refused(lambda: rules.pay(s, found, p, 2, D(2024, 7, 1), TODAY), "tranche", "第 1 期（立项后拨付）尚未拨付",
                 conflict=True)
        _refused(lambda: rules.pay(s, found, p, 3, D(2024, 7, 1), TODAY), "tranche", "第 3 期不存在", "共 2 期")
        _refused(lambda: rules.pay(s, found, p, 1, D(2024, 7, 1), TODAY, Decimal("40000.01")), "amount",
                 "超过第 1 期应拨 40000.00 元")
        _refused(lambda: rules.pay(s, found, p, 1, D(2024, 5, 31), TODAY), "paid_on", "早于立项日期 2024-06-01")
        _refused(lambda: rules.pay(s, found, p, 1, D(2024, 7, 1), TODAY, Decimal(0)), "amount", "须大于 0")
        assert rules.pay(s, found, p, 1, D(2024, 7, 1), TODAY).amount == Decimal("40000.00")
        _refused(lambda: rules.pay(s, found, p, 1, D(2024, 7, 2), TODAY), "tranche", "已于 2024-07-01 拨付",
                 conflict=True)
        rules.advance(s, found, p, MIDTERM, D(2025, 1, 1), TODAY)
        rules.advance(s, found, p, ACCEPTED, D(2025, 6, 1), TODAY, score=Decimal(70))
        _refused(lambda: rules.pay(s, found, p, 2, D(2025, 5, 31), TODAY), "paid_on", "早于验收日期 2025-06-01")
        assert rules.pay(s, found, p, 2, D(2025, 6, 2), TODAY).amount == Decimal("60000.01")
        assert sum(x.amount for x in p.payments) == p.award


# ---- acceptance: pass iff score >= 70 ----

@pytest.mark.parametrize("score, passed", [(Decimal("69.99"), False), (Decimal(70), True), (Decimal("70.01"), True)])
def test_acceptance_passes_at_seventy_and_not_below(records, found, score, passed):
    with transaction(records) as s:
        p = _new(s, found)
        rules.advance(s, found, p, APPROVED, D(2024, 6, 1), TODAY, award=Decimal(500_000), override_reason=REASON)
        rules.pay(s, found, p, 1, D(2024, 6, 5), TODAY)
        rules.advance(s, found, p, MIDTERM, D(2025, 1, 1), TODAY)
        wrong, right = (FAILED, ACCEPTED) if passed else (ACCEPTED, FAILED)
        _refused(lambda: rules.advance(s, found, p, wrong, D(2025, 6, 1), TODAY, score=score), "stage",
                 f"验收得分 {score} 分", "70 分及以上为合格", f"应为{rules.STAGE_LABELS[right]}")
        _refused(lambda: rules.advance(s, found, p, right, D(2025, 6, 1), TODAY), "score", "须填写得分")
        _refused(lambda: rules.advance(s, found, p, right, D(2025, 6, 1), TODAY, score=Decimal("100.01")), "score",
                 "0 到 100")
        rules.advance(s, found, p, right, D(2025, 6, 1), TODAY, score=score)
        assert (p.stage, p.score) == (right, score)
        if passed:
            rules.pay(s, found, p, 2, D(2025, 6, 2), TODAY)
        else:
            _refused(lambda: rules.pay(s, found, p, 2, D(2025, 6, 2), TODAY), "tranche", "验收不合格", conflict=True)


# ---- KPIs: the programme's definitions, baseline year against the latest complete year ----

def _figures(**given) -> dict[str, Figure]:
    return {name: Figure(given.get(name), f"测试 {name}") for name in INDICATORS}


def test_kpis_apply_per_group_and_kind_and_a_groups_own_replaces_the_general_one():
    zj = FOUND["zhejiang_gaojiazhi"]
    project, base = zj.projects
    project_codes = [k.code for k in rules.kpi_criteria(zj, project, "enterprise")]
    base_codes = [k.code for k in rules.kpi_criteria(zj, base, "university")]
    assert project_codes == ["kpi.implementation.enterprise", "kpi.invention_growth", "kpi.pct_growth",
                             "kpi.grant_rate", "kpi.holdings_growth"]
    assert base_codes == ["kpi.implementation.university", "kpi.pct_growth", "kpi.invention_growth.base",
                          "kpi.grant_rate", "kpi.holdings_growth"]


def test_kpis_compare_the_latest_complete_year_with_the_baseline_and_unknown_is_never_met(records, monkeypatch):
    years = {2023: _figures(invention_applications=20, effective_inventions=10),
             2025: _figures(implementation_rate=Decimal("0.8"), grant_rate=Decimal("0.5999"),
                            invention_applications=25, effective_inventions=10)}
    monkeypatch.setattr(rules, "profile", lambda session, org, year: years.get(year, _figures()))
    with transaction(records) as s:
        p = _new(s, FOUND)  # applied 2024: baseline 2023; today 2026-11-21: latest complete year 2025
        kpis = rules.project_kpis(s, FOUND, p, TODAY)
        got = {o.criterion.code: (o.status, o.value) for o in kpis.outcomes}
        assert (kpis.baseline_year, kpis.latest_year) == (2023, 2025)
        assert got == {"kpi.implementation.enterprise": (MET, Decimal("0.8")),
                       "kpi.invention_growth": (MET, Decimal("0.25")),
                       "kpi.pct_growth": (UNKNOWN, None),
                       "kpi.grant_rate": (NOT_MET, Decimal("0.5999")),
                       "kpi.holdings_growth": (NOT_MET, Decimal(0))}
        growth = next(o for o in kpis.outcomes if o.criterion.code == "kpi.invention_growth")
        assert "2025 年：测试 invention_applications；起始 2023 年" in growth.evidence
        early = _new(s, FOUND, number="T-2", applied_on=D(2026, 2, 1))  # baseline 2025 = latest: nothing to compare
        outcomes = {o.criterion.code: o for o in rules.project_kpis(s, FOUND, early, TODAY).outcomes}
        assert outcomes["kpi.invention_growth"].status == UNKNOWN
        assert "之后尚无完整年度" in outcomes["kpi.invention_growth"].evidence
        assert outcomes["kpi.implementation.enterprise"].status == MET  # a level KPI still reads the latest year


# ---- the demo ----

def test_demo_has_projects_at_every_stage_and_enterprises_in_every_tier(engine):
    load_demo(engine, today=TODAY)
    with transaction(engine) as s:
        stages = set(s.scalars(select(ProgrammeProject.stage)))
        assert stages == set(ProjectStage)
        for p in s.scalars(select(ProgrammeProject)):
            group = rules.group_of(FOUND, p.programme, p.group)[1]
            assert sum((x.amount for x in p.payments), Decimal(0)) <= (p.award or 0)
            assert p.stage is APPLIED or p.eligibility and (p.override_reason or p.eligibility == "符合申报条件")
            assert len(p.payments) <= len(rules.schedule(p, group))
        for p in s.scalars(select(ProgrammeProject)):  # every demo project's organisation is in the area
            assert programmes.admitted(FOUND[p.programme], p.organization).inside, (p.number, p.organization.name)
        nanjing = s.scalar(select(Organization).where(Organization.name == OWN_SME))
        with pytest.raises(programmes.NotInArea, match="不在本项目地区范围（江苏省苏州市）内"):
            programmes.check(s, FOUND["suzhou_qiangqi"], nanjing, 2025)
        zhejiang = {(p.group, p.stage) for p in s.scalars(select(ProgrammeProject).where(
            ProgrammeProject.programme == "zhejiang_gaojiazhi"))}
        assert {stage for group, stage in zhejiang if group == "project"} == set(ProjectStage)  # pass and fail
        assert any(group == "base" for group, _ in zhejiang)
        orgs = s.scalars(select(Organization).where(Organization.name.in_(
            ["苏州慧眼视觉科技有限公司", "苏州感知物联科技有限公司", "昆山视界光电有限公司", "昆山精塑科技有限公司",
             "吴江云锦丝绸有限公司"]))).all()
        results = {o.name: programmes.check(s, FOUND["suzhou_qiangqi"], o, 2025) for o in orgs}
        assert {n: r.tier.code if r.tier else None for n, r in results.items()} == {
            "苏州慧眼视觉科技有限公司": "leading", "昆山视界光电有限公司": "advantage",
            "苏州感知物联科技有限公司": "growth", "昆山精塑科技有限公司": "pool", "吴江云锦丝绸有限公司": None}
        leading = results["苏州慧眼视觉科技有限公司"]
        assert all(o.status == MET for t in leading.tiers for o in t.outcomes)  # with the figure and its record
        pct = next(o for o in leading.tiers[-1].outcomes if o.criterion.code == "leading.pct")
        assert pct.value == 2 and "PCT/CN2025/031207" in pct.evidence
        assert [p.status for p in leading.projects] == [MET]  # a 登峰 candidate: 有效发明专利 50 件以上
        # 视界光电's older record came from a CNIPA-only export: its PCT figure is unknown, never 0
        above = results["昆山视界光电有限公司"].tiers[-1].outcomes
        assert next(o for o in above if o.criterion.code == "leading.pct").status == UNKNOWN
        growth = results["昆山精塑科技有限公司"].tiers[1].outcomes  # one criterion short of 成长型: "close"
        assert [o.criterion.code for o in growth if o.status != MET] == ["growth.revenue"]
        count = s.scalar(select(func.count()).select_from(ProgrammeProject))
    load_demo(engine, today=TODAY)  # again: the projects already there are kept, none added
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(ProgrammeProject)) == count


def test_a_bad_demo_projects_row_names_file_row_and_field_and_leaves_nothing(records, tmp_path):
    lines = (demo_dir() / "projects.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "projects.csv"
    bad.write_text("\n".join([lines[0], lines[1], lines[2].replace(",66,", ",71,")]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"projects.csv 第 3 行（ZJ-GJZ-2022-02）：stage：验收得分 71 分"):
        load_demo_projects(records, today=TODAY, path=bad)
    with transaction(records) as s:
        assert s.scalar(select(func.count()).select_from(ProgrammeProject)) == 0


# ---- the API (SQLite and PostgreSQL) ----

def _post(api, who, path, **body):  # noqa: ANN001, ANN202
    return call(api, who, "POST", path, json=json.loads(json.dumps(body, default=str)))


def test_api_lifecycle_refusals_payments_and_kpis(api):
    org = api[3][ZJ_ORG]
    made = _post(api, "operator", "/programmes/zhejiang_gaojiazhi/projects", group="project", organization_id=org,
                 number="API-ZJ-1", title="接口测试项目", applied_on="2024-03-01")
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    assert (made.json()["stage"], made.json()["baseline_year"]) == ("applied", 2023)
    stage = f"/projects/{pid}/stage"
    early = _post(api, "operator", stage, stage="midterm", on="2024-06-01")
    assert early.status_code == 409 and "不能转为中期检查" in early.text
    refused = _post(api, "operator", stage, stage="approved", on="2024-06-01", award="500000")
    assert refused.status_code == 409 and "有效发明专利不少于25件" in refused.text
    dated = _post(api, "operator", stage, stage="approved", on="2024-02-01", award="500000", override_reason=REASON)
    assert dated.status_code == 422 and "早于申报日期" in dated.text
    approved = _post(api, "operator", stage, stage="approved", on="2024-06-01", award="500000", override_reason=REASON)
    assert approved.status_code == 200, approved.text
    assert approved.json()["override_reason"] == REASON and "有效发明专利不少于25件" in approved.json()["eligibility"]
    out_of_order = _post(api, "operator", f"/projects/{pid}/payments", tranche=2, paid_on="2024-07-01")
    assert out_of_order.status_code == 409 and "须按顺序拨付" in out_of_order.text
    too_much = _post(api, "operator", f"/projects/{pid}/payments", tranche=1, paid_on="2024-07-01", amount="200000.01")
    assert too_much.status_code == 422 and "超过第 1 期应拨 200000.00 元" in too_much.text
    paid = _post(api, "operator", f"/projects/{pid}/payments", tranche=1, paid_on="2024-07-01")
    assert paid.status_code == 201 and paid.json()["paid"] == "200000.00"
    assert _post(api, "operator", stage, stage="midterm", on="2025-01-10").status_code == 200
    low = _post(api, "operator", stage, stage="accepted", on="2025-06-01", score="69.99")
    assert low.status_code == 422 and "应为验收不合格" in low.text
    accepted = _post(api, "operator", stage, stage="accepted", on="2025-06-01", score="70")
    assert accepted.status_code == 200 and accepted.json()["stage"] == "accepted"
    final = _post(api, "operator", f"/projects/{pid}/payments", tranche=2, paid_on="2025-06-10")
    assert final.status_code == 201
    body = final.json()
    assert body["paid"] == body["award"] == "500000.00"
    assert [(t["due"], t["paid"]) for t in body["tranches"]] == [("200000.00", "200000.00"),
                                                                 ("300000.00", "300000.00")]
    assert body["kpi_latest_year"] == 2024 and {k["status"] for k in body["kpis"]} <= {"met", "not_met", "unknown"}
    assert {k["code"] for k in body["kpis"]} >= {"kpi.grant_rate", "kpi.invention_growth"}
    with transaction(api[4]) as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "programme_project",
                                                            AuditEntry.entity_id == pid)).all()
        assert actions.count("create") == 1 and len(actions) == 6  # create, approve, pay, midterm, accept, pay


def test_api_eligible_project_is_approved_without_a_reason(api, found, monkeypatch):
    monkeypatch.setattr(programmes, "available", lambda directory=None: found)
    made = _post(api, "operator", "/programmes/test_plain/projects", group="plain", organization_id=api[3][OWN_SME],
                 number="API-PLAIN-1", title="接口测试", applied_on="2024-03-01")
    assert made.status_code == 201, made.text
    approved = _post(api, "operator", f"/projects/{made.json()['id']}/stage", stage="approved", on="2024-04-01",
                     award="1000")
    assert approved.status_code == 200 and approved.json()["eligibility"] == "符合申报条件"


def test_api_dengfeng_co_investment(api):
    made = _post(api, "operator", "/programmes/suzhou_qiangqi/projects", group="dengfeng",
                 organization_id=api[3][SZ_ORG], number="API-DF-1", title="登峰测试", applied_on="2025-03-01")
    stage = f"/projects/{made.json()['id']}/stage"
    short = _post(api, "operator", stage, stage="approved", on="2025-05-01", award="1000000",
                  co_investment="1999999.99", override_reason=REASON)
    assert short.status_code == 422 and "co_investment" in short.text and "200%" in short.text
    ok = _post(api, "operator", stage, stage="approved", on="2025-05-01", award="1000000", co_investment="2000000",
               override_reason=REASON)
    assert ok.status_code == 200 and ok.json()["co_investment"] == "2000000.00"


@pytest.fixture(scope="module")
def zj_sme(api) -> str:
    """A key for a Zhejiang SME (宁波海工), whose own projects the role test reads; the demo's "sme" key is 南京's."""
    from api.auth import create_key
    from data.enums import Role

    with transaction(api[4]) as s:
        api[1]["zj_sme"] = create_key(s, Role.SME, _org(s, "宁波海工装备有限公司"))
    return "宁波海工装备有限公司"


@pytest.mark.parametrize("who, read, write", [("zj_sme", 200, 403), ("other_sme", 404, 403), ("tto", 403, 403),
                                              ("operator", 200, 201), ("evaluator", 200, 403), ("admin", 200, 201)])
def test_api_roles(api, zj_sme, who, read, write):
    with transaction(api[4]) as s:
        demo = s.scalar(select(ProgrammeProject.id).join(Organization).where(Organization.name == ZJ_ORG))
        org_id = s.scalar(select(Organization.id).where(Organization.name == ZJ_ORG))
    own = api[3][zj_sme]
    # a project of the "zj_sme" key's organisation; the one read below belongs to another (杭州云途)
    made = _post(api, "admin", "/programmes/zhejiang_gaojiazhi/projects", group="project",
                 organization_id=own, number=f"ROLE-{who}", title="角色测试", applied_on="2025-03-01")
    assert made.status_code == 201, made.text
    assert call(api, who, "GET", f"/projects/{made.json()['id']}").status_code == read
    listed = call(api, who, "GET", "/programmes/zhejiang_gaojiazhi/projects?limit=1000")
    assert listed.status_code == (403 if who == "tto" else 200)
    if listed.status_code == 200:
        orgs = {p["organization_id"] for p in listed.json()["items"]}
        assert orgs == ({own} if who == "zj_sme" else set() if who == "other_sme" else orgs | {org_id})
    if who not in ("zj_sme", "other_sme", "tto"):
        assert call(api, who, "GET", f"/projects/{demo}").status_code == 200
    else:
        assert call(api, who, "GET", f"/projects/{demo}").status_code == (403 if who == "tto" else 404)
    attempt = _post(api, who, "/programmes/zhejiang_gaojiazhi/projects", group="project",
                    organization_id=own, number=f"ROLE-W-{who}", title="角色测试", applied_on="2025-03-01")
    assert attempt.status_code == write
    assert call(api, "operator", "GET", "/programmes/nope/projects").status_code == 404


# ---- the CLI ----

def test_cli_demo_summary_and_project_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("PATENT_MATCH_HOME", str(tmp_path / "home"))
    db = ["--db", f"sqlite:///{tmp_path / 'demo.db'}"]
    runner = CliRunner()
    demo = runner.invoke(main, [*db, "demo", "--as-of", "2026-11-21"])
    assert demo.exit_code == 0, demo.output
    assert "项目计划 Programmes（2025 年度" in demo.output
    assert "档次：入库 1，成长型 1，优势型 1，引领型 1，未入库 1" in demo.output  # every tier, 苏州's enterprises only
    assert "登峰计划项目申报条件符合：1 家（苏州慧眼视觉科技有限公司）；不符合 4 家" in demo.output
    assert "项目：申报 1，立项 1，中期检查 1，验收通过 1，验收不合格 0" in demo.output  # 苏州登峰
    assert "项目：申报 1，立项 1，中期检查 1，验收通过 1，验收不合格 2" in demo.output  # 浙江: a project and a base
    leading = runner.invoke(main, [*db, "programmes", "check", "苏州慧眼视觉科技有限公司", "--programme",
                                   "suzhou_qiangqi", "--year", "2025"])
    assert leading.exit_code == 0 and "档次：引领型（按标准可达：引领型）" in leading.output
    assert "[不符合]" not in leading.output and "[未知" not in leading.output  # every criterion met
    assert "[符合] PCT 国际专利申请：2" in leading.output and "PCT/CN2025/031207（202410907224.4）" in leading.output
    assert "[符合] 境外授权发明专利：3" in leading.output and "US17915634" in leading.output
    assert "[符合] 有效发明专利：51" in leading.output and "等 51 件" in leading.output

    def run(*args: str):  # noqa: ANN202
        return runner.invoke(main, [*db, "programmes", "projects", *args])

    listed = run("list", "--stage", "failed")
    assert listed.exit_code == 0 and "ZJ-GJZ-2022-02" in listed.output and "ZJ-GJZ-2022-01" not in listed.output
    assert run("add", "zhejiang_gaojiazhi", "project", ZJ_ORG, "--number", "CLI-1", "--title", "命令行项目",
               "--applied-on", "2024-03-01").exit_code == 0
    refused = run("stage", "CLI-1", "approved", "--on", "2024-06-01", "--award", "500000")
    assert refused.exit_code == 2 and "override-reason：" in refused.output and "有效发明专利不少于25件" in refused.output
    assert run("stage", "CLI-1", "approved", "--on", "2024-06-01", "--award", "500000", "--reason", REASON).exit_code == 0
    order = run("pay", "CLI-1", "2", "--on", "2024-07-01")
    assert order.exit_code == 2 and "须按顺序拨付" in order.output
    paid = run("pay", "CLI-1", "1", "--on", "2024-07-01")
    assert paid.exit_code == 0 and "200,000.00 元" in paid.output
    assert run("stage", "CLI-1", "midterm", "--on", "2025-01-01").exit_code == 0
    low = run("stage", "CLI-1", "accepted", "--on", "2025-06-01", "--score", "69.99")
    assert low.exit_code == 2 and "应为验收不合格" in low.output
    assert run("stage", "CLI-1", "failed", "--on", "2025-06-01", "--score", "69.99").exit_code == 0
    shown = run("show", "CLI-1")
    assert shown.exit_code == 0 and "验收不合格" in shown.output and f"运营人员立项理由：{REASON}" in shown.output
    assert "第 2 期 验收合格后拨付：应拨 300,000.00 元，未拨付" in shown.output and "绩效指标（起始 2023 年 → 2024 年）" in shown.output
    missing = run("show", "NOPE")
    assert missing.exit_code == 2 and "没有项目编号为 NOPE 的项目" in missing.output
