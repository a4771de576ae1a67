"""The programme page in Debian's Chromium (Playwright) against `patent-match demo` served on loopback: an operator
opens it from the navigation, changes the year, sees the chart load and downloads the XLSX export; an SME
sees its own organisation only, and that a programme of another area is not its area's."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.api_support import OWN_SME
from tests.web_support import CHROMIUM, shot, sign_in

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"Debian's chromium is not at {CHROMIUM} (apt-get install chromium)")

PAGE = "/ui/programmes/suzhou_qiangqi"
OTHER = "南京晶测半导体设备有限公司"  # another demo enterprise with yearly data, outside 苏州
INSIDE = "昆山视界光电有限公司"  # a demo enterprise in 昆山, a county-level city of 苏州


def _chart_loaded(page) -> bool:  # noqa: ANN001
    page.wait_for_function("document.querySelector('#programme-chart').complete")
    return page.evaluate("document.querySelector('#programme-chart').naturalWidth") > 0


def test_an_operator_changes_the_year_sees_the_chart_and_exports(site, browser):
    from openpyxl import load_workbook

    base, keys, _ = site
    page = sign_in(browser, base, keys["operator"])
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.click("header nav a[href='/ui/programmes']")
    page.wait_for_url(f"{base}/ui/programmes")
    page.click(f"a[href='{PAGE}']")
    page.wait_for_url(f"{base}{PAGE}")
    assert page.locator("h1").inner_text() == "苏州市知识产权强企培育工程"
    assert page.locator("#f-year").input_value() == "2025"  # the latest year with data
    assert _chart_loaded(page)
    pool = page.locator("#programme-pool tbody")
    assert INSIDE in pool.inner_text() and OWN_SME not in pool.inner_text() and OTHER not in pool.inner_text()
    assert OTHER in page.locator("#programme-area tbody").inner_text()  # listed apart: outside the area
    shot(page, "programme-operator-2025")

    page.select_option("#f-year", "2023")
    page.click("#programme-filters button[type=submit]")
    page.wait_for_url(f"{base}{PAGE}?year=2023")
    assert page.locator("#f-year").input_value() == "2023"
    assert page.locator("#programme-chart").get_attribute("src").endswith("?year=2023")
    assert _chart_loaded(page)
    assert "2022 年度" in page.locator("#programme-movements thead").inner_text()  # last year against this one

    with page.expect_download() as caught:
        page.click("#programme-export")
    download = caught.value
    assert download.suggested_filename == "programme-suzhou_qiangqi-2023.xlsx"
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames == ["概况", "档次与申报资格", "逐项标准", "本年变动", "差一项达标", "绩效指标逐年进展",
                               "地区范围外或地区未知"]
    assert (book["概况"]["A3"].value, book["概况"]["B3"].value) == ("年度", 2023)
    assert errors == []
    page.context.close()


def test_an_sme_outside_the_area_is_told_so(site, browser):
    base, keys, _ = site
    page = sign_in(browser, base, keys["sme"])  # 南京储能云: 苏州's programme is not its area's
    page.goto(PAGE)
    text = page.locator("main").inner_text()
    assert OWN_SME in text and OTHER not in text and INSIDE not in text
    assert "不在本项目地区范围（江苏省苏州市）内" in page.locator("#programme-area-note").inner_text()
    assert page.locator("#programme-pool").count() == 0  # no tier shown
    shot(page, "programme-sme")
    page.context.close()
