from __future__ import annotations

from collections import Counter

from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from data.db import transaction
from data.demo import load_demo
from data.enums import OrgKind, OwnershipEventKind
from data.models import (
    Challenge,
    Need,
    Organization,
    OwnershipEvent,
    OwnershipEventHolder,
    Patent,
    PatentHolder,
    Transaction,
)
from data.summary import summarize
from matching.clusters import cluster_map
from tests.conftest import TODAY


def test_demo_data_meets_the_platforms_needs(engine):
    reports = load_demo(engine, today=TODAY)
    assert all(r.rejected == 0 and not r.ignored_columns for r in reports)
    with transaction(engine) as session:
        research = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
        held = session.scalars(select(Patent).where(Patent.holders.any(
            PatentHolder.organization.has(Organization.kind.in_(research))))).all()
        holders = session.scalar(select(func.count(func.distinct(PatentHolder.organization_id))).join(
            Organization).where(Organization.kind.in_(research)))
        filed = session.scalar(select(func.count(func.distinct(OwnershipEvent.patent_id))).join(
            OwnershipEventHolder).join(Organization).where(OwnershipEvent.kind == OwnershipEventKind.RECORD,
                                                          Organization.kind.in_(research)))
        # 151 filed by universities and institutes; the demo's transfers and equity deals moved some to companies
        assert filed >= 150 and 120 <= len(held) < filed and holders >= 10
        assert session.scalar(select(func.count()).where(Organization.kind == OrgKind.SME)) >= 40
        assert session.scalar(select(func.count()).select_from(Need)) >= 40
        assert session.scalar(select(func.count()).select_from(Challenge).where(Challenge.reward > 0)) >= 8
        deals = session.scalars(select(Transaction)).all()
        assert len(deals) >= 30
        assert len({d.kind for d in deals}) == 4 and len({d.signed_on.year for d in deals}) >= 4
        assert all(d.contract_amount is not None and d.received_amount is not None for d in deals)
        summary = summarize(session)
    assert 0 < summary.sleeping < len(held) and summary.active_offers > 0
    clusters = Counter(t[0].cluster for p in summary.patent_codes if (t := cluster_map().tags_for_patent(p.codes)))
    assert set(clusters) == set(cluster_map().clusters) and min(clusters.values()) >= 4


def test_loading_the_demo_twice_changes_nothing(engine):
    load_demo(engine, today=TODAY)
    again = load_demo(engine, today=TODAY)
    assert all(r.created == 0 and r.updated == r.rows for r in again)


def test_cli_demo_prints_the_summary(tmp_path):
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'demo.db'}", "demo", "--as-of", "2026-11-21"])
    assert result.exit_code == 0, result.output
    for heading in ("按权利人 Patents by holder", "按集群 Patents by cluster", "揭榜挂帅 challenges: 8",
                    "交易 Transactions by year", "patents.csv: 163 rows → 163 created"):
        assert heading in result.output


def test_cli_lists_sleeping_patents_with_reasons(tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 'demo.db'}"]
    runner = CliRunner()
    runner.invoke(main, [*db, "demo", "--as-of", "2026-11-21"])
    result = runner.invoke(main, [*db, "patents", "--sleeping", "--as-of", "2026-11-21", "--limit", "500"])
    assert result.exit_code == 0, result.output
    listed = [line for line in result.output.splitlines() if "沉睡：权利人" in line]
    first = result.output.splitlines()[0]
    assert first.startswith(f"沉睡专利 {len(listed)} sleeping patents")


def test_cli_import_reports_bad_rows_and_exits_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("申请号,名称,申请(专利权)人,申请日,法律状态\n201710601862.4,一种方法,运河大学,2017-07-21,有效\n", "utf-8")
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "import", "patents", str(bad)])
    assert result.exit_code == 2
    assert "“201710601862.4”的校验位是 4，按 201710601862 计算应为 3" in result.output


def test_cli_formats_documents_every_kind():
    result = CliRunner().invoke(main, ["formats"])
    assert result.exit_code == 0
    for kind in ("orgs", "patents", "needs", "transactions", "offers"):
        assert f"## {kind}" in result.output
    assert "| application_number | 申请号 |" in result.output


def test_import_format_docs_are_current():
    from pathlib import Path

    from api.formats import formats_markdown
    from data.imports.schemas import SCHEMAS

    doc = (Path(__file__).parents[1] / "docs" / "import-formats.md").read_text("utf-8")
    assert formats_markdown(list(SCHEMAS)) in doc, "regenerate: patent-match formats > docs/import-formats.md"


def test_a_bad_date_option_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'd.db'}", "patents", "--sleeping",
                                       "--as-of", "2026-02-30"])
    assert result.exit_code == 2 and "“2026-02-30”不是真实存在的日期" in result.output
