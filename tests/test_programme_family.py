"""PCT and foreign figures from the patent records (data/profiles.py) and the criteria that read them: PCT
applications are distinct PCT numbers of the year, foreign rows count apart from Chinese ones and 1:2 where the
rule says so (浙江), and an organisation whose records do not all state their family has them unknown, never 0."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data import programmes
from data.db import transaction
from data.imports.loader import import_file
from data.models import Organization
from data.normalize import check_digit
from data.profiles import profile
from data.programmes import MET, NOT_MET, UNKNOWN
from tests.conftest import TODAY

SUZHOU, ZHEJIANG = programmes.available()["suzhou_qiangqi"], programmes.available()["zhejiang_gaojiazhi"]
WORLD, CNIPA, NONE = "苏州全球视觉有限公司", "苏州国内视觉有限公司", "苏州无专利科技有限公司"
HEADER = "申请号,国别,专利类型,名称,申请(专利权)人,申请日,授权公告日,法律状态,PCT申请号\n"


def cn(year: int, serial: int, kind: str = "1") -> str:
    digits = f"{year}{kind}{serial:07d}"
    return f"{digits}.{check_digit(digits)}"


def world_rows(domestic: int, foreign: int) -> str:
    rows = [f"{cn(2020, 8000 + i)},CN,,发明{i},{WORLD},2020-03-01,2022-05-01,有效," for i in range(domestic)]
    rows += [f"US1780000{i},US,发明,境外发明{i},{WORLD},2021-02-01,2023-03-01,有效," for i in range(foreign)]
    rows += [f"EP2180000{i}.1,EP,发明,失效的境外发明{i},{WORLD},2021-02-01,2023-03-01,未缴年费," for i in range(1)]
    # one PCT application carried by an invention and a utility model filed the same day: one application
    rows += [f"{cn(2024, 8100)},CN,,同日申请的发明,{WORLD},2024-02-01,,审中,PCT/CN2025/004321",
             f"{cn(2024, 8101, '2')},CN,,同日申请的实用新型,{WORLD},2024-02-01,,审中,PCT/CN2025/004321",
             f"{cn(2024, 8102)},CN,,上一年的 PCT,{WORLD},2024-01-10,,审中,PCT/CN2024/000777"]
    return HEADER + "\n".join(rows) + "\n"


def stock(engine, write, domestic: int, foreign: int):  # noqa: ANN001, ANN201
    import_file(engine, "orgs", write("o.csv", f"单位名称,单位类型\n{WORLD},中小企业\n{CNIPA},中小企业\n{NONE},中小企业\n"),
                today=TODAY)
    import_file(engine, "patents", write("w.csv", world_rows(domestic, foreign)), today=TODAY)
    import_file(engine, "patents", write("c.csv", "申请号,名称,申请(专利权)人,申请日,授权公告日,法律状态\n"
                                                  f"{cn(2019, 8200)},国内发明,{CNIPA},2019-01-01,2021-01-01,有效\n"),
                today=TODAY)


def figures_of(engine, name: str, year: int = 2025):  # noqa: ANN001, ANN201
    with transaction(engine) as session:
        return profile(session, session.scalar(select(Organization).where(Organization.name == name)), year)


def test_pct_and_foreign_counts_come_from_the_records(engine, write):
    stock(engine, write, domestic=3, foreign=2)
    found = figures_of(engine, WORLD)
    assert found["pct_applications"].value == 1  # two rows, one PCT application
    assert "PCT/CN2025/004321" in found["pct_applications"].source
    assert figures_of(engine, WORLD, 2024)["pct_applications"].value == 1
    assert found["foreign_inventions"].value == 2  # the lapsed EP patent is not held in force
    assert "US17800000" in found["foreign_inventions"].source
    assert found["effective_inventions"].value == 3  # Chinese patents only; foreign rows count apart
    assert figures_of(engine, WORLD, 2021)["foreign_applications"].value == 3
    assert figures_of(engine, WORLD, 2023)["foreign_grants"].value == 3


@pytest.mark.parametrize("who", [CNIPA, NONE])
def test_without_family_data_pct_and_foreign_are_unknown_and_never_met(engine, write, who):
    stock(engine, write, domestic=1, foreign=0)
    found = figures_of(engine, who)
    for name in ("pct_applications", "foreign_inventions", "foreign_applications", "foreign_grants"):
        assert found[name].value is None, name
    assert ("导入文件无国别/PCT申请号" if who == CNIPA else "没有该单位的专利记录") in found["pct_applications"].source
    leading = {c.code: c for c in SUZHOU.tiers[-1].criteria}
    assert programmes.judge(leading["leading.pct"], found).status == UNKNOWN
    assert programmes.judge(leading["leading.foreign"], found).status == UNKNOWN


def test_a_known_zero_is_not_met_and_one_is_met(engine, write):
    stock(engine, write, domestic=1, foreign=0)
    found = figures_of(engine, WORLD, 2023)  # no PCT application of 2023 on its records
    leading = {c.code: c for c in SUZHOU.tiers[-1].criteria}
    assert (found["pct_applications"].value, programmes.judge(leading["leading.pct"], found).status) == (0, NOT_MET)
    assert programmes.judge(leading["leading.pct"], figures_of(engine, WORLD)).status == MET


@pytest.mark.parametrize("domestic, foreign, expected", [
    (21, 2, MET),  # 21 + 2 × 2 = 25: at the threshold only because a foreign patent counts twice
    (22, 2, MET),  # above
    (20, 2, NOT_MET),  # 24: below
])
def test_zhejiang_counts_foreign_patents_from_the_records_one_for_two(engine, write, domestic, foreign, expected):
    stock(engine, write, domestic, foreign)
    rule = next(c for c in ZHEJIANG.projects[0].criteria if c.code == "project.inventions")
    outcome = programmes.judge(rule, figures_of(engine, WORLD))
    assert (outcome.status, outcome.value) == (expected, domestic + 2 * foreign)


def test_a_record_without_family_data_makes_unknown_only_the_years_from_its_filing(engine, write):
    stock(engine, write, domestic=1, foreign=0)
    import_file(engine, "patents", write("later.csv", "申请号,名称,申请(专利权)人,申请日,法律状态\n"
                                                      f"{cn(2026, 8300)},后来的国内申请,{WORLD},2026-01-05,审中\n"),
                today=TODAY)
    assert figures_of(engine, WORLD, 2025)["pct_applications"].value == 1
    later = figures_of(engine, WORLD, 2026)["pct_applications"]
    assert later.value is None and cn(2026, 8300) in later.source


# ---- `patent-match match patent` with a foreign or PCT number (api/cli_match.py) ----

def test_match_patent_takes_foreign_and_pct_numbers_and_names_the_accepted_forms(demo_db):
    from click.testing import CliRunner

    from api.cli import main

    runner = CliRunner()

    def match(number: str):  # noqa: ANN202
        return runner.invoke(main, ["--db", demo_db, "match", "patent", number, "--top", "2", "--no-explain"])

    for number in ("US17915634", "us 17/915,634"):  # 苏州慧眼's US family member, as exports write it
        found = match(number)
        assert found.exit_code == 0, found.output
        assert found.output.startswith("US17915634  一种芯片引脚共面度的激光三角测量方法") and "匹配需求" in found.output
    # a PCT number on three rows (CN, EP, US): the member filed at the receiving office (CN)
    pct = match("PCT/CN2021/087412")
    assert pct.exit_code == 0 and pct.stdout.startswith("202010903251.6  一种芯片引脚共面度的激光三角测量方法")
    assert "对应 3 件专利" in pct.stderr and "取受理局 CN 的 202010903251.6" in pct.stderr
    assert match("PCT/CN2025/031207").output.startswith("202410907224.4")
    missing = match("EP21812345.6")
    assert missing.exit_code == 2 and "数据库中没有申请号为 EP21812345.6 的专利" in missing.output
    wo = match("WO2024123456")
    assert wo.exit_code == 2 and "PCT 国际公布号" in wo.output and "PCT/CN2024/123456" in wo.output
    nonsense = match("ABC-12")
    assert nonsense.exit_code == 2 and "“ABC-12”不是可识别的专利号" in nonsense.output
    assert "境外申请号（以国别代码开头，如 US17123456" in nonsense.output and "PCT 国际申请号" in nonsense.output
    assert match("201710483362.4").exit_code == 0  # a Chinese number as before
