"""An independent check of the target report: random ledgers are stored in a real database, and every indicator
is recomputed here by a second, deliberately naive implementation (plain loops over the generated values,
nothing shared with data/indicators.py, data/outcomes.py or data/targets.py). The report must equal it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from data.db import transaction
from data.enums import DealStatus, LegalStatus, OrgKind, PatentType, TransactionKind
from data.models import (
    AnomalyFlag,
    EnterpriseYear,
    Implementation,
    Organization,
    Patent,
    ProductFiling,
    Transaction,
)
from data.targets import TargetSet, target_report

KINDS = ["sme", "sme", "sme", "university", "institute", "enterprise", "soe", "other", "individual"]
REVIEWS = [None, None, None, "open", "dismissed", "confirmed"]


@dataclass
class Spec:
    orgs: list[dict]
    patents: int
    deals: list[dict]
    figures: list[dict]
    filings: list[dict]
    uses: list[dict]
    plan_years: tuple[int, ...]
    growth_target: float
    rate: float
    region: str | None
    goals: dict = field(default_factory=lambda: {"university_patents": 7, "university_amount": Decimal(10_000),
                                                 "sme_patents": 5, "sme_amount": Decimal(20_000), "smes": 3,
                                                 "pledge_amount": Decimal(5_000), "pledge_projects": 2})


money = st.integers(0, 10**9).map(lambda cents: Decimal(cents) / 100)


@st.composite
def specs(draw) -> Spec:  # noqa: ANN001
    orgs = [{"kind": draw(st.sampled_from(KINDS)), "city": draw(st.sampled_from([None, "南京", "苏州"])),
             "province": draw(st.sampled_from([None, "江苏省", "浙江省"]))} for _ in range(draw(st.integers(2, 6)))]
    org, patents = st.integers(0, len(orgs) - 1), draw(st.integers(1, 6))
    deals = draw(st.lists(st.fixed_dictionaries({
        "kind": st.sampled_from(["transfer", "license", "equity", "pledge"]), "source": org, "target": org,
        "year": st.integers(2019, 2024), "contract": st.none() | money, "received": st.none() | money,
        "patents": st.sets(st.integers(0, patents - 1), min_size=1, max_size=3),
        "status": st.sampled_from(["in_force"] * 4 + ["awaiting_payment", "cancelled"]),
        "licensee_is_sme": st.sampled_from([None, None, True, False]), "review": st.sampled_from(REVIEWS)}),
        max_size=25))
    figures = draw(st.lists(st.fixed_dictionaries({
        "org": org, "year": st.integers(2018, 2024), "revenue": st.none() | money,
        "employees": st.none() | st.integers(0, 900)}), max_size=12, unique_by=lambda f: (f["org"], f["year"])))
    filings = draw(st.lists(st.fixed_dictionaries({
        "org": org, "patents": st.sets(st.integers(0, patents - 1), min_size=1, max_size=2),
        "year": st.integers(2019, 2024), "value": st.none() | money}), max_size=4))
    uses = draw(st.lists(st.fixed_dictionaries({"patent": st.integers(0, patents - 1), "org": org}), max_size=4))
    start = draw(st.integers(2019, 2022))
    plan = tuple(range(start, start + draw(st.sampled_from([1, 2, 3, 3]))))
    return Spec(orgs, patents, deals, figures, filings, uses, plan, draw(st.sampled_from([0.0, 0.1, 0.2])),
                draw(st.sampled_from([0.0, 0.05, 0.1])), draw(st.sampled_from([None, None, "南京", "浙江"])))


def number(i: int) -> str:
    return f"2020100{i:05d}.X"


def store(session: Session, spec: Spec) -> None:
    orgs = [Organization(name=f"机构{i}", kind=OrgKind(o["kind"]), city=o["city"], province=o["province"])
            for i, o in enumerate(spec.orgs)]
    patents = [Patent(application_number=number(i), patent_type=PatentType.INVENTION, title=f"专利{i}",
                      application_date=dt.date(2015, 1, 1), legal_status=LegalStatus.VALID) for i in range(spec.patents)]
    session.add_all([*orgs, *patents])
    session.flush()
    for d in spec.deals:
        deal = Transaction(kind=TransactionKind(d["kind"]), from_org_id=orgs[d["source"]].id,
                           to_org_id=orgs[d["target"]].id, signed_on=dt.date(d["year"], 5, 20),
                           contract_amount=d["contract"], received_amount=d["received"], status=DealStatus(d["status"]),
                           licensee_is_sme=d["licensee_is_sme"], patents=[patents[p] for p in sorted(d["patents"])])
        session.add(deal)
        session.flush()
        if d["review"]:
            session.add(AnomalyFlag(transaction_id=deal.id, rule="unpaid", evidence="生成", status=d["review"]))
    for f in spec.figures:
        session.add(EnterpriseYear(organization_id=orgs[f["org"]].id, year=f["year"], revenue=f["revenue"],
                                   employees=f["employees"]))
    for i, f in enumerate(spec.filings):
        session.add(ProductFiling(organization_id=orgs[f["org"]].id, product=f"产品{i}", filed_on=dt.date(f["year"], 3, 1),
                                  output_value=f["value"], patents=[patents[p] for p in sorted(f["patents"])]))
    for u in spec.uses:
        session.add(Implementation(patent_id=patents[u["patent"]].id, organization_id=orgs[u["org"]].id,
                                   started_on=dt.date(2022, 1, 1)))
    session.flush()
    session.expunge_all()  # the report reads everything back from the database


def plan_of(spec: Spec) -> TargetSet:
    return TargetSet("随机计划", spec.plan_years, annual_growth=spec.growth_target, **spec.goals)


# ---- the naive implementation -------------------------------------------------------------------------------

NAMES = ["university_patents", "university_contract", "university_received", "sme_patents", "sme_contract",
         "sme_received", "smes", "pledge_projects", "pledge_amount", "pledge_patents", "sme_pledge_projects",
         "sme_pledge_amount", "subsidy_estimate"]


def naive_counted(spec: Spec) -> list[dict]:
    counted = []
    for d in spec.deals:
        if d["status"] != "in_force" or d["review"] == "confirmed":
            continue
        if spec.region is not None:
            places = []
            for side in (d["source"], d["target"]):
                places += [spec.orgs[side]["city"] or "", spec.orgs[side]["province"] or ""]
            if not any(spec.region in place for place in places):
                continue
        counted.append(d)
    return counted


def naive_sme_in(spec: Spec, d: dict) -> bool:
    if d["kind"] == "pledge":
        return False
    return spec.orgs[d["target"]]["kind"] == "sme" or d["licensee_is_sme"] is True


def naive_totals(spec: Spec, deals: list[dict]) -> dict:
    t = {name: 0 for name in NAMES}
    smes = []
    for d in deals:
        contract = d["contract"] if d["contract"] is not None else 0
        received = d["received"] if d["received"] is not None else 0
        if d["kind"] != "pledge" and spec.orgs[d["source"]]["kind"] in ("university", "institute"):
            t["university_patents"] += len(d["patents"])
            t["university_contract"] += contract
            t["university_received"] += received
        if naive_sme_in(spec, d):
            t["sme_patents"] += len(d["patents"])
            t["sme_contract"] += contract
            t["sme_received"] += received
            if d["target"] not in smes:
                smes.append(d["target"])
        if d["kind"] == "pledge":
            t["pledge_projects"] += 1
            t["pledge_amount"] += contract
            t["pledge_patents"] += len(d["patents"])
            if spec.orgs[d["source"]]["kind"] == "sme":
                t["sme_pledge_projects"] += 1
                t["sme_pledge_amount"] += contract
    t["smes"] = len(smes)
    t["subsidy_estimate"] = round(Decimal(t["sme_contract"]) * Decimal(str(spec.rate)), 2)
    return t


def naive_year(spec: Spec, year: int) -> dict:
    return naive_totals(spec, [d for d in naive_counted(spec) if d["year"] == year])


def close(actual: float | None, expected: object) -> bool:
    """Equal within float rounding; None only matches None."""
    if actual is None or expected is None:
        return actual is expected
    return actual == pytest.approx(float(expected), rel=1e-9, abs=1e-12)


def check(spec: Spec, found) -> None:  # noqa: ANN001
    counted = naive_counted(spec)
    base, last = spec.plan_years[0] - 1, spec.plan_years[-1]
    years = sorted({d["year"] for d in counted} | set(spec.plan_years) | {base})
    assert [row.year for row in found.years] == years
    for row in found.years:
        mine, before = naive_year(spec, row.year), naive_year(spec, row.year - 1)
        assert {n: row.values[n] for n in NAMES} == mine, row.year
        for name in NAMES:
            if name in ("pledge_patents", "subsidy_estimate"):
                assert name not in row.yoy
            elif before[name] == 0:
                assert row.yoy[name].value is None and row.yoy[name].reason
            else:
                assert close(row.yoy[name].value, (mine[name] - before[name]) / before[name])
    period = naive_totals(spec, [d for d in counted if d["year"] in spec.plan_years])
    assert {n: found.period[n] for n in NAMES} == period
    measures = {"university_patents": "university_patents", "university_amount": "university_contract",
                "sme_patents": "sme_patents", "sme_amount": "sme_contract", "smes": "smes",
                "pledge_amount": "sme_pledge_amount", "pledge_projects": "sme_pledge_projects"}
    for target, measure in measures.items():
        assert found.progress[target].achieved == period[measure]
        assert close(found.progress[target].share, float(period[measure]) / float(spec.goals[target]))
    has_base = any(d["year"] == base for d in counted)
    for name in ["university_patents", "university_contract", "university_received", "sme_patents", "sme_contract",
                 "sme_received", "pledge_projects", "pledge_amount", "sme_pledge_projects", "sme_pledge_amount"]:
        growth, first, final = found.annual_growth[name], naive_year(spec, base)[name], naive_year(spec, last)[name]
        assert (growth.base, growth.last) == (first, final)
        if not has_base or first == 0:
            assert growth.value is None and growth.met is None and growth.reason
        else:
            ratio = float(final) / float(first)
            assert close(growth.value, ratio ** (1 / (last - base)) - 1)
            goal = Fraction(first) * (1 + Fraction(str(spec.growth_target))) ** (last - base)
            assert growth.met == (Fraction(final) >= goal)
    check_outcomes(spec, found, [d for d in counted if d["year"] in spec.plan_years])


def check_outcomes(spec: Spec, found, in_plan: list[dict]) -> None:  # noqa: ANN001
    base, last = spec.plan_years[0] - 1, spec.plan_years[-1]
    took_part = sorted({d["target"] for d in in_plan if naive_sme_in(spec, d)})
    figures = {(f["org"], f["year"]): f for f in spec.figures}
    growth = found.sme_growth
    assert growth.smes == len(took_part) and {r.name for r in growth.rows} == {f"机构{i}" for i in took_part}
    totals = {"revenue": [0, 0, 0], "employees": [0, 0, 0]}
    for i in took_part:
        row = next(r for r in growth.rows if r.name == f"机构{i}")
        for measure in ("revenue", "employees"):
            a = figures[(i, base)][measure] if (i, base) in figures else None
            b = figures[(i, last)][measure] if (i, last) in figures else None
            assert (getattr(row, f"{measure}_base"), getattr(row, f"{measure}_last")) == (a, b)
            if a is not None and b is not None:
                totals[measure] = [totals[measure][0] + 1, totals[measure][1] + a, totals[measure][2] + b]
            expected = None if a is None or b is None or a == 0 else (b - a) / a
            assert close(getattr(row, f"{measure}_growth"), expected)
    assert (growth.with_revenue, growth.revenue_base, growth.revenue_last) == tuple(totals["revenue"])
    assert (growth.with_employees, growth.employees_base, growth.employees_last) == tuple(totals["employees"])
    for measure in ("revenue", "employees"):
        _, a, b = totals[measure]
        assert close(getattr(growth, f"{measure}_growth"), None if a == 0 else (b - a) / a)

    pairs = []
    for d in in_plan:
        if naive_sme_in(spec, d):
            for p in d["patents"]:
                pairs.append((p, d["target"]))
    status = {}
    for p, _ in pairs:
        status[number(p)] = "none"
        for u in spec.uses:
            if u["patent"] == p and (p, u["org"]) in pairs:
                status[number(p)] = "implementation"
        for f in spec.filings:
            if p in f["patents"] and (p, f["org"]) in pairs:
                status[number(p)] = "product"
    use = found.implementation
    assert {u.application_number: u.status for u in use.uses} == status
    statuses = list(status.values())
    assert (use.patents, use.with_product, use.with_implementation, use.unimplemented) == (
        len(status), statuses.count("product"), statuses.count("implementation"), statuses.count("none"))
    kept = [f for f in spec.filings if any((p, f["org"]) in pairs for p in f["patents"])]
    assert use.filings == len(kept) and use.filings_without_value == sum(1 for f in kept if f["value"] is None)
    assert use.output_value == sum(f["value"] for f in kept if f["value"] is not None)


# ---- the tests --------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=specs())
def test_the_report_equals_a_naive_recount(sqlite_engine, spec):
    with sqlite_engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection)
        try:
            store(session, spec)
            check(spec, target_report(session, plan_of(spec), spec.rate, spec.region))
        finally:
            session.close()
            outer.rollback()  # the next example starts from an empty database


EXAMPLE = Spec(
    orgs=[{"kind": "university", "city": "南京", "province": "江苏省"},
          {"kind": "sme", "city": "苏州", "province": "江苏省"},
          {"kind": "sme", "city": None, "province": "浙江省"},
          {"kind": "other", "city": "南京", "province": "江苏省"},
          {"kind": "enterprise", "city": None, "province": None}],
    patents=5,
    deals=[{"kind": k, "source": s, "target": t, "year": y, "contract": c, "received": r, "patents": p,
            "status": st_, "licensee_is_sme": sme, "review": rv}
           for k, s, t, y, c, r, p, st_, sme, rv in [
               ("license", 0, 1, 2020, Decimal("100000.00"), Decimal("50000.00"), {0}, "in_force", None, None),
               ("license", 0, 1, 2021, Decimal("120000.00"), Decimal("60000.00"), {0, 1}, "in_force", None, None),
               ("transfer", 0, 1, 2022, Decimal("150000.00"), None, {2}, "in_force", None, "dismissed"),
               ("license", 0, 2, 2023, Decimal("210000.00"), Decimal("10.50"), {3}, "in_force", None, None),
               ("license", 0, 4, 2023, Decimal("90000.00"), None, {4}, "in_force", True, None),
               ("license", 0, 2, 2023, Decimal("60000.00"), None, {4}, "awaiting_payment", None, None),
               ("license", 0, 1, 2022, Decimal("70000.00"), None, {1}, "cancelled", None, None),
               ("transfer", 0, 2, 2022, Decimal("1.00"), Decimal("1.00"), {1}, "in_force", None, "confirmed"),
               ("pledge", 1, 3, 2022, Decimal("3000000.00"), None, {0, 1, 2}, "in_force", None, None),
               ("pledge", 0, 3, 2023, Decimal("9000000.00"), None, {3}, "in_force", None, None),
               ("equity", 0, 4, 2021, Decimal("500000.00"), Decimal("500000.00"), {2}, "in_force", None, None)]],
    figures=[{"org": 1, "year": 2020, "revenue": Decimal("1000000.00"), "employees": 10},
             {"org": 1, "year": 2023, "revenue": Decimal("1300000.00"), "employees": 13},
             {"org": 2, "year": 2023, "revenue": Decimal("500000.00"), "employees": None}],
    filings=[{"org": 1, "patents": {0}, "year": 2023, "value": Decimal("2000000.00")},
             {"org": 2, "patents": {0}, "year": 2023, "value": Decimal("5.00")}],
    uses=[{"patent": 3, "org": 2}],
    plan_years=(2021, 2022, 2023), growth_target=0.2, rate=0.05, region=None)


@pytest.mark.parametrize("region", [None, "苏州"])
def test_a_known_ledger_on_each_backend(engine, region):
    spec = Spec(**{**EXAMPLE.__dict__, "region": region})
    with transaction(engine) as session:
        store(session, spec)
    with transaction(engine) as session:
        found = target_report(session, plan_of(spec), spec.rate, spec.region)
    check(spec, found)
    if region is None:  # a few figures by hand, so the naive recount is itself checked
        assert (found.period["smes"], found.period["sme_pledge_projects"], found.period["pledge_projects"]) == (3, 1, 2)
        assert found.implementation.with_product == 1 and found.implementation.with_implementation == 1
        assert found.sme_growth.with_revenue == 1 and found.sme_growth.revenue_growth == pytest.approx(0.3)
