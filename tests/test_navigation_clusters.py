"""Every provincial cluster (Jiangsu's 13 and Zhejiang's 10) gets a landscape report from the demo data, an
empty one included, with the patent count the cluster tags (or, for the other province, its IPC table) give."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from api.navigation_report import CHARTS, write_report
from data.db import make_engine, transaction, upgrade
from data.demo import load_demo
from data.settings import get_settings
from matching.clusters import cluster_map
from matching.landscape import Selection, analyse
from matching.landscape.selection import resolve

CLUSTERS = [(scheme, name) for scheme in ("jiangsu", "zhejiang") for name in cluster_map(scheme).clusters]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory):
    """One tagged demo database for the module (loading and tagging it per cluster would take minutes)."""
    from api.cli_tags import make_tagger
    from matching.tags.store import tag_records

    folder = tmp_path_factory.mktemp("clusters")
    with pytest.MonkeyPatch.context() as patch:  # the per-test settings are not made yet at module scope
        patch.setenv("PATENT_MATCH_HOME", str(folder / "home"))
        patch.setenv("PATENT_MATCH_ENCODER", "keyword")
        get_settings.cache_clear()
        engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
        upgrade(engine)
        load_demo(engine, today=dt.date(2026, 11, 21))
        with transaction(engine) as session:
            tag_records(session, make_tagger())
        get_settings.cache_clear()
    yield engine
    engine.dispose()


def test_every_cluster_is_listed():
    assert len(cluster_map("jiangsu").clusters) == 13 and len(CLUSTERS) == 23


@pytest.mark.parametrize("scheme, cluster", CLUSTERS, ids=[f"{s}-{c}" for s, c in CLUSTERS])
def test_each_cluster_renders_a_report(demo_db, tmp_path: Path, scheme: str, cluster: str):
    with transaction(demo_db) as s:
        found = analyse(s, resolve(s, Selection(cluster=cluster, scheme=scheme)), dt.date(2026, 12, 5))
        if scheme == "jiangsu":  # the configured scheme: its cluster tags
            expected = s.execute(text("SELECT COUNT(DISTINCT entity_id) FROM tags WHERE entity = 'patent' AND "
                                      "dimension = 'cluster' AND code = :c"), {"c": cluster}).scalar_one()
        else:  # the other province's table over the stored codes
            table = cluster_map(scheme)
            codes: dict[int, list[str]] = {}
            for patent_id, code in s.execute(text("SELECT patent_id, code FROM patent_ipcs")):
                codes.setdefault(patent_id, []).append(code)
            expected = sum(1 for cs in codes.values() if any(t.cluster == cluster for t in table.tags_for_patent(cs)))
    assert found.patents == expected
    assert sum(r.patents for r in found.fields.rows) == found.patents
    write_report(found, tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert cluster in page and f"<b>专利数：</b>{found.patents} 件" in page
    assert page.count("data:image/png;base64,") == len(CHARTS) and (tmp_path / "report.xlsx").stat().st_size > 0
    if found.patents == 0:
        assert "所选范围内无数据" in page and 'class="chart"><img' in page and "<a href" not in page
    else:
        assert "/ui/patents?cluster=" in page  # bars and bubbles link to the patent list
