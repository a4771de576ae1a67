"""Main-group titles from a configured full IPC scheme (PATENT_MATCH_IPC_SCHEME, data/ipc_scheme.py): a
team-written sample scheme titles the groups it has, the subclass title stands in for the rest, and a bad file is
refused in Chinese naming the file, the row and the field — in the landscape, the CLI and the API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from data.db import transaction
from data.demo import load_demo
from data.ipc_scheme import IpcSchemeError, group_titles, read_group_titles, subclass_titles
from data.settings import get_settings
from matching.explain import short_title
from matching.landscape import Selection, analyse
from matching.landscape.selection import resolve
from matching.landscape.subfields import group_title
from tests.api_support import call

SAMPLE = Path(__file__).parent / "fixtures" / "ipc_scheme_sample.tsv"


@pytest.fixture
def scheme(monkeypatch):
    def configure(path: Path | None) -> None:
        if path is None:
            monkeypatch.delenv("PATENT_MATCH_IPC_SCHEME", raising=False)
        else:
            monkeypatch.setenv("PATENT_MATCH_IPC_SCHEME", str(path))
        get_settings.cache_clear()

    return configure


def test_the_sample_scheme_titles_main_groups_and_skips_untitled_entries():
    titles = read_group_titles(SAMPLE)
    # A reference note （…入 H01M10/44） is dropped as in the shipped table; other notes stay (the display cuts them).
    assert titles == {"H02J 3": "交流电网的电路装置（团队编写的测试标题）", "H02J 7": "电池组的充电与放电电路装置",
                      "H01M 10": "二次电池及其制造（团队编写的测试标题）"}


def test_a_configured_scheme_titles_the_groups_it_has_and_the_subclass_the_rest(scheme, tmp_path):
    assert group_titles() == {}  # nothing configured: the shipped subclass titles only
    assert group_title("H02J 3") == group_title("H02J 7") == short_title(subclass_titles()["H02J"], 30)
    scheme(SAMPLE)
    assert group_title("H02J 3") == "交流电网的电路装置"
    assert group_title("H02J 13") == short_title(subclass_titles()["H02J"], 30)  # not in the sample
    changed = tmp_path / "scheme.tsv"
    changed.write_text(SAMPLE.read_text(encoding="utf-8").replace("交流电网的电路装置", "改过的标题"), encoding="utf-8")
    scheme(changed)
    assert group_title("H02J 3") == "改过的标题"


BAD = [("code\tlevel\n", 1, "表头"), ("code\tlevel\ttitle_zh\nH02J3/00\tgroup\n", 2, "应有 3 列"),
       ("code\tlevel\ttitle_zh\nH02J3/00\tgruop\t标题\n", 2, "level 列"),
       ("code\tlevel\ttitle_zh\nH02J\tgroup\t标题\n", 2, "code 列"),
       ("code\tlevel\ttitle_zh\nH02J3/00\tgroup\t标题\nH02J3/10\tgroup\t标题\n", 3, "code 列"),
       ("code\tlevel\ttitle_zh\n\tgroup\t只有标题\n", 2, "code 列")]


@pytest.mark.parametrize("content, row, field", BAD)
def test_a_bad_scheme_is_refused_naming_file_row_and_field(tmp_path, content, row, field):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IpcSchemeError) as refused:
        read_group_titles(path)
    assert str(path) in str(refused.value) and f"第 {row} 行" in str(refused.value) and field in str(refused.value)


def test_the_report_shows_main_group_titles_and_refuses_a_bad_scheme(sqlite_engine, scheme, tmp_path):
    from api.cli_tags import make_tagger
    from matching.tags.store import tag_records

    load_demo(sqlite_engine, today=dt.date(2026, 11, 21))
    with transaction(sqlite_engine) as session:
        tag_records(session, make_tagger())
    scheme(SAMPLE)
    with transaction(sqlite_engine) as s:
        found = analyse(s, resolve(s, Selection(ipc=("H02J",))), dt.date(2026, 12, 5))
    titles = found.fields.titles
    assert titles["H02J 3"] == "交流电网的电路装置" and titles["H02J 7"] == "电池组的充电与放电电路装置"
    assert found.fields.table().columns[:2] == ("IPC 主组", "名称")
    db = ["--db", sqlite_engine.url.render_as_string(hide_password=False)]
    written = CliRunner().invoke(main, [*db, "navigate", "--ipc", "H02J", "--out", str(tmp_path / "r")])
    assert written.exit_code == 0, written.output
    assert "交流电网的电路装置" in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    bad = tmp_path / "bad.tsv"
    bad.write_text("code\tlevel\ttitle_zh\nH02J3/00\tgroup\n", encoding="utf-8")
    scheme(bad)
    refused = CliRunner().invoke(main, [*db, "navigate", "--ipc", "H02J", "--out", str(tmp_path / "r2")])
    assert refused.exit_code == 1 and f"IPC 分类表 {bad} 第 2 行" in refused.output
    scheme(tmp_path / "absent.tsv")
    refused = CliRunner().invoke(main, [*db, "navigate", "--out", str(tmp_path / "r3")])
    assert refused.exit_code == 1 and "不存在" in refused.output


def test_the_api_says_the_scheme_is_bad(api, scheme, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("code\tlevel\n", encoding="utf-8")
    scheme(bad)
    answer = call(api, "operator", "GET", "/navigation", params={"ipc": "H02J"})
    assert answer.status_code == 500 and "第 1 行" in answer.json()["detail"]
