"""Learned topics as landscape sub-fields (matching/landscape/topics.py): a two-theme corpus splits into its
themes, coherence beats random term sets, names come from the top terms, the model round-trips, and the
`--subfields topics` report renders with matrix counts equal to plain SQL over the stored topic tags."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from api.cli import main
from data.db import transaction
from data.demo import load_demo
from matching.landscape import Selection, SubFields, analyse
from matching.landscape.selection import SelectionError, resolve
from matching.landscape.topic_tags import assign_stored, fit_stored_with_titles, has_topics
from matching.landscape.topics import TOP_TERMS, TopicModelError, fit, load, save

# Two team-written themes with no shared content words: batteries and rice growing.
BATTERY = ["一种锂电池正极材料，提高电池容量与循环寿命", "锂电池电解液添加剂，抑制电池胀气并延长循环寿命",
           "电池管理系统对锂电池电压和温度进行均衡", "一种锂电池负极材料的制备，电池容量高",
           "储能电池模组的热管理，降低电池温度", "锂电池隔膜涂层，提升电池安全与循环寿命",
           "动力电池包结构，电池模组散热均匀", "电池电压采样电路，用于锂电池组均衡管理",
           "固态锂电池电解质，电池容量与安全性提高", "电池极片涂布工艺，锂电池一致性好",
           "废旧锂电池回收正极材料", "电池温度监测，防止锂电池热失控"]
RICE = ["一种水稻种植方法，提高水稻产量与抗倒伏", "水稻育秧基质，秧苗根系发达，移栽后产量高",
        "水稻病虫害绿色防控，减少农药用量", "稻田灌溉施肥一体化，水稻产量提高",
        "一种水稻品种选育方法，抗病且产量稳定", "水稻直播机播种均匀，秧苗出苗整齐",
        "稻田土壤改良，提高水稻根系活力", "水稻收获后秸秆还田，土壤肥力提高",
        "水稻秧苗移栽机，栽插深度一致", "稻田养鱼共生种植，水稻病虫害减少",
        "水稻抗旱品种的育种方法", "一种水稻育秧盘，秧苗根系盘结好"]


def test_a_two_theme_corpus_splits_into_its_themes():
    model, assigned = fit(BATTERY + RICE, topics=2, min_df=2, max_df=0.6)
    battery = {a[0] for a in assigned[: len(BATTERY)]}
    rice = {a[0] for a in assigned[len(BATTERY):]}
    assert len(battery) == 1 and len(rice) == 1 and battery != rice
    assert "电池" in model.topics[battery.pop()].terms and "水稻" in model.topics[rice.pop()].terms
    again, _ = fit(BATTERY + RICE, topics=2, min_df=2, max_df=0.6)
    assert [t.name for t in again.topics] == [t.name for t in model.topics]  # seeded: the same fit twice


def test_coherence_beats_random_term_sets_and_names_come_from_the_top_terms():
    model, _ = fit(BATTERY + RICE, topics=2, min_df=2, max_df=0.6)
    assert model.coherence.mean > model.coherence.baseline_mean + model.coherence.baseline_sd
    for topic in model.topics:
        parts = topic.name.split("、")
        assert 1 <= len(parts) <= 3 and set(parts) <= set(topic.terms[:TOP_TERMS])
        assert topic.code.startswith("T") and -1 <= topic.coherence <= 1


def test_a_saved_model_reads_back_and_a_damaged_one_is_refused_in_chinese(tmp_path):
    model, assigned = fit(BATTERY + RICE, topics=2, min_df=2, max_df=0.6)
    save(model, tmp_path / "m")
    back = load(tmp_path / "m")
    assert back.topics == model.topics and np.allclose(back.components, model.components)
    from matching.landscape.topics import terms

    assert [a[0] for a in back.assign([terms(t) for t in BATTERY + RICE])] == [a[0] for a in assigned]
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    manifest["vocabulary"] = manifest["vocabulary"][:-1]
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(TopicModelError, match="词表大小不一致"):
        load(tmp_path / "m")
    with pytest.raises(TopicModelError, match="没有已拟合的主题模型"):
        load(tmp_path / "none")
    with pytest.raises(TopicModelError, match="语料太小"):
        fit(BATTERY[:3], topics=2)


@pytest.fixture
def demo(engine):
    from api.cli_tags import make_tagger
    from matching.tags.store import tag_records

    load_demo(engine, today=dt.date(2026, 11, 21))
    with transaction(engine) as session:
        tag_records(session, make_tagger())
    return engine


def test_stored_topics_give_matrix_counts_equal_to_plain_sql(demo):
    with transaction(demo) as s:
        with pytest.raises(SelectionError) as refused:  # no topics yet: said, not an empty matrix
            from api.routes_navigation import landscape_for

            landscape_for(s, Selection(), None, dt.date(2026, 12, 5), sub=SubFields("topics"))
        assert refused.value.field == "subfields"
        model, _, titles = fit_stored_with_titles(s, topics=6)
        run = assign_stored(s, model)
        assert run.patents == len(titles) == run.assigned + run.unassigned and run.assigned > 0 and has_topics(s)
    with transaction(demo) as s:
        from api.cli_tags import make_tagger
        from matching.tags.store import tag_records

        tag_records(s, make_tagger(), force=True)  # retagging keeps the topics
        found = analyse(s, resolve(s, Selection()), dt.date(2026, 12, 5), sub=SubFields("topics"))
        total = s.execute(text("SELECT COUNT(*) FROM patents")).scalar_one()
        assert sum(r.patents for r in found.fields.rows) == found.patents == total
        for row in found.fields.rows:
            expected = s.execute(text(
                "SELECT COUNT(*) FROM patents p WHERE " + ("NOT EXISTS" if row.group == "未分类" else "EXISTS")
                + " (SELECT 1 FROM tags t WHERE t.entity = 'patent' AND t.dimension = 'topic' AND t.entity_id = p.id"
                + ("" if row.group == "未分类" else " AND t.code = :g") + ")"), {"g": row.group}).scalar_one()
            assert row.patents == expected, row.group
            assert row.group == "未分类" or row.title == model.topics[int(row.group[1:]) - 1].name
        assert found.matrix.cells
        for group in found.matrix.groups:
            for code, _ in found.matrix.effects:
                assert found.matrix.count(group, code) == s.execute(text(
                    "SELECT COUNT(DISTINCT p.id) FROM patents p JOIN tags t ON t.entity_id = p.id AND t.entity = "
                    "'patent' AND t.dimension = 'topic' JOIN tags e ON e.entity_id = p.id AND e.entity = 'patent' "
                    "AND e.dimension = 'effect' WHERE t.code = :g AND e.code = :e"), {"g": group, "e": code}
                ).scalar_one(), (group, code)
        cell = found.matrix.cells[0]
        assert ("topic", cell.group) in cell.filters and ("effect", cell.effect) in cell.filters
        assert found.fields.table().columns[0] == "主题" and found.deals.sub.topics


def test_the_cli_fits_topics_and_renders_a_topic_report(sqlite_engine, tmp_path):
    from api.cli_tags import make_tagger
    from matching.tags.store import tag_records

    load_demo(sqlite_engine, today=dt.date(2026, 11, 21))
    with transaction(sqlite_engine) as session:
        tag_records(session, make_tagger())
    db = ["--db", sqlite_engine.url.render_as_string(hide_password=False)]
    runner = CliRunner()
    refused = runner.invoke(main, [*db, "navigate", "--subfields", "topics", "--out", str(tmp_path / "r0")])
    assert refused.exit_code == 2 and "topics fit" in refused.output
    fitted = runner.invoke(main, [*db, "navigate", "topics", "fit", "--topics", "6", "--dir", str(tmp_path / "m"),
                                  "--examples", "2"])
    assert fitted.exit_code == 0, fitted.output
    assert "主题一致性 NPMI" in fitted.output and "T06" in fitted.output and "已为" in fitted.output
    shown = runner.invoke(main, ["navigate", "topics", "show", "--dir", str(tmp_path / "m")])
    assert shown.exit_code == 0 and "随机词组" in shown.output
    report = runner.invoke(main, [*db, "navigate", "--subfields", "topics", "--out", str(tmp_path / "r")])
    assert report.exit_code == 0, report.output
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "技术功效矩阵（主题 × 技术功效" in page and "topic=T0" in page and "学习到的主题" in page
    assert runner.invoke(main, [*db, "navigate"]).exit_code == 2  # a report needs --out


@pytest.mark.slow
def test_the_shared_corpus_topics_are_coherent_and_match_the_documented_reading(shared_data):
    """The fit the team read (docs/navigation-topics.tsv): the same names and terms, coherence far above random."""
    from pathlib import Path

    rows = [json.loads(line) for line in (shared_data / "patents" / "cn_patents.jsonl").open(encoding="utf-8")]
    model, _ = fit([f"{r['title']}\n{r['text']}" for r in rows], topics=20, seed=0)
    assert model.documents == len(rows)
    assert model.coherence.mean > model.coherence.baseline_mean + 2 * model.coherence.baseline_sd
    documented = Path(__file__).resolve().parents[1] / "docs" / "navigation-topics.tsv"
    lines = [line.split("\t") for line in documented.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")][1:]
    assert [(t.code, t.name, " ".join(t.terms)) for t in model.topics] == [(c[0], c[1], c[6]) for c in lines]
    assert sum(1 for c in lines if c[2]) == 10  # the ten topics the team labelled


def test_the_api_and_the_page_use_topics_once_they_are_fitted(api):
    from tests.api_support import call
    from tests.test_web import _sign_in

    client, keys, _, _, engine = api
    refused = call(api, "operator", "GET", "/navigation", params={"subfields": "topics"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "subfields"]
    with transaction(engine) as s:
        model, _, _ = fit_stored_with_titles(s, topics=6)
        assign_stored(s, model)
    answer = call(api, "operator", "GET", "/navigation", params={"subfields": "topics"})
    assert answer.status_code == 200 and answer.json()["subfields"] == "topics"
    tables = {t["name"]: t for t in answer.json()["tables"]}
    assert tables["fields"]["columns"][0] == "主题" and {r[0] for r in tables["fields"]["rows"]} <= {
        t.code for t in model.topics} | {"未分类"}
    assert all("topic=T" in c["link"] for c in answer.json()["matrix_cells"])
    page = _sign_in(client.app, keys["operator"], follow=True).get("/ui/navigation", params={"subfields": "topics"})
    assert page.status_code == 200 and "学习到的主题" in page.text and "topic=T0" in page.text
    assert 'class="chart"' in page.text and "data:image/png;base64," in page.text
    cell = answer.json()["matrix_cells"][0]
    listed = call(api, "operator", "GET", "/patents", params={"topic": cell["group"], "effect": cell["effect"],
                                                               "limit": 1})
    assert listed.status_code == 200 and listed.json()["total"] == cell["patents"]  # the cell's link lists its patents
