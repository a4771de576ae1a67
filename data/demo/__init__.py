"""Loading the team-written demo data through the ordinary importer, and the demo's programme projects
(projects.csv) through the project rules (data/programmes/projects.py)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, select

from data.imports.loader import ImportReport, import_file

# Order matters: deals and offers refer to patents; patents, needs and yearly figures to organisations.
DEMO_FILES = (
    ("orgs", "orgs.csv"),
    ("patents", "patents.csv"),
    # Enterprises' portfolios from a worldwide export: 国别 and PCT申请号 columns, foreign family members as rows.
    ("patents", "enterprise_patents.csv"),
    ("transactions", "transactions.csv"),
    ("offers", "offers.csv"),
    ("needs", "needs.csv"),
    ("enterprise_years", "enterprise_years.csv"),  # yearly profiles the programme checks read
)


def demo_dir() -> Path:
    return Path(str(resources.files("data").joinpath("demo")))


def load_demo(engine: Engine, today: dt.date | None = None) -> list[ImportReport]:
    """Import every demo file, then the demo projects; re-running updates the same records (and leaves the
    projects already there) instead of duplicating them."""
    reports = [import_file(engine, kind, demo_dir() / name, today=today) for kind, name in DEMO_FILES]
    load_demo_projects(engine, today=today)
    return reports


PROJECTS_FILE = "projects.csv"


@dataclass(frozen=True)
class ProjectsReport:
    rows: int
    created: int
    kept: int  # already there (by 项目编号), left as they are


def load_demo_projects(engine: Engine, today: dt.date | None = None, path: Path | None = None) -> ProjectsReport:
    """Each row of projects.csv is created and taken through its stages and payments by the same functions the
    API and CLI call, so the demo obeys every project rule. One transaction: a bad row leaves nothing, and the
    error names the file, row and field."""
    from data.db import transaction
    from data.enterprise import Refused
    from data.models import Organization
    from data.programmes import available
    from data.programmes import projects as rules
    from data.project_models import ProjectStage

    path = path or demo_dir() / PROJECTS_FILE
    today = today or dt.date.today()
    found = available()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    created = 0

    def day(text: str) -> dt.date:
        return dt.date.fromisoformat(text)

    with transaction(engine) as session:
        for line, row in enumerate(rows, start=2):
            try:
                if rules.find(session, row["项目编号"]) is not None:
                    continue
                org = session.scalar(select(Organization).where(Organization.name == row["单位名称"]))
                if org is None:
                    raise ValueError(f"单位名称：没有名为 {row['单位名称']} 的单位")
                project = rules.create(session, found, row["项目计划"], row["项目类别"], org, row["项目编号"],
                                       row["项目名称"], day(row["申报日期"]), today, actor="demo")
                steps = [(ProjectStage.APPROVED, row["立项日期"]), (ProjectStage.MIDTERM, row["中期检查日期"]),
                         (ProjectStage(row["验收结论"] or "accepted"), row["验收日期"])]
                for step, (stage, on) in enumerate(steps):
                    if not on:
                        break
                    rules.advance(session, found, project, stage, day(on), today, actor="demo",
                                  award=Decimal(row["资助额"]) if row["资助额"] else None,
                                  co_investment=Decimal(row["企业自筹投入"]) if row["企业自筹投入"] else None,
                                  score=Decimal(row["验收得分"]) if row["验收得分"] else None,
                                  override_reason=row["立项理由"] if step == 0 else "")
                for tranche, column in enumerate(("第1期拨付日期", "第2期拨付日期"), start=1):
                    if row[column]:
                        rules.pay(session, found, project, tranche, day(row[column]), today, actor="demo")
                created += 1
            except (Refused, ValueError, KeyError) as exc:
                raise ValueError(f"{path.name} 第 {line} 行（{row.get('项目编号', '')}）：{exc}") from None
    return ProjectsReport(len(rows), created, len(rows) - created)
