from __future__ import annotations

from click.testing import CliRunner

from api.cli import main
from indexer.lexical.bm25 import JiebaTokenizer
from indexer.terms import mine_terms


def test_the_built_in_domain_dictionary_keeps_compounds_whole():
    tokens = JiebaTokenizer.shared()("储能电站的电池簇主动均衡与热失控预警")
    assert {"储能电站", "电池簇", "主动均衡", "热失控"} <= set(tokens)


def test_user_dictionaries_are_loaded_and_change_the_checksum(tmp_path):
    words = tmp_path / "mine.txt"
    words.write_text("# reviewed terms\n柔性铰链臂 10\n", encoding="utf-8")
    plain, custom = JiebaTokenizer.shared(), JiebaTokenizer.shared((words,))
    assert "柔性铰链臂" not in plain("一种柔性铰链臂结构") and "柔性铰链臂" in custom("一种柔性铰链臂结构")
    assert plain.checksum() != custom.checksum()


def test_recurring_cohesive_pairs_become_candidates():
    texts = ["本装置采用磁流变阻尼器抑制振动。"] * 4 + ["磁流变液体的制备。", "阻尼器安装于底座。", "一种装置和方法。"]
    found = {t.word: t for t in mine_terms(texts, min_count=3, min_pmi=1.0)}
    assert "磁流变阻尼器" in found and found["磁流变阻尼器"].count == 4
    assert not any(w.startswith("一种") for w in found)


def test_cli_mines_the_demo_patents(tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 't.db'}"]
    runner = CliRunner()
    assert runner.invoke(main, [*db, "demo"]).exit_code == 0
    out = tmp_path / "terms.txt"
    result = runner.invoke(main, [*db, "terms", "mine", "--out", str(out), "--min-count", "2"])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines and all(len(line.split()) == 2 and line.split()[1].isdigit() for line in lines)
