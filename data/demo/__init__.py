"""Loading the team-written demo data through the ordinary importer."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from data.imports.loader import ImportReport, import_file

# Order matters: deals and offers refer to patents; patents, needs and yearly figures to organisations.
DEMO_FILES = (
    ("orgs", "orgs.csv"),
    ("patents", "patents.csv"),
    ("transactions", "transactions.csv"),
    ("offers", "offers.csv"),
    ("needs", "needs.csv"),
    ("enterprise_years", "enterprise_years.csv"),  # yearly profiles the programme checks read
)


def demo_dir() -> Path:
    return Path(str(resources.files("data").joinpath("demo")))


def load_demo(engine: Engine, today: dt.date | None = None) -> list[ImportReport]:
    """Import every demo file; re-running updates the same records instead of duplicating them."""
    return [import_file(engine, kind, demo_dir() / name, today=today) for kind, name in DEMO_FILES]
