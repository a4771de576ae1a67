"""The user guide (api/web/guide): every image it shows is written by a browser test, every image a test writes is
shown, the Markdown subset renders, and the Chinese quick start keeps the README's two commands."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from api.web.pages_help import GUIDE, PAGES, to_html

ROOT = Path(__file__).resolve().parents[1]


def _shot_names() -> list[str]:
    """The literal names of every guide_shot(page, "name") call in the tests."""
    names = []
    for path in (ROOT / "tests").glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "guide_shot":
                assert isinstance(node.args[1], ast.Constant), f"{path.name}:{node.lineno}: a literal name"
                names.append(node.args[1].value)
    return names


def _linked() -> dict[str, set[str]]:
    return {page: set(re.findall(r"!\[[^\]]*\]\(img/([\w-]+)\.png\)", (GUIDE / f"{page}.md").read_text("utf-8")))
            for page in PAGES}


def test_every_guide_image_is_a_test_screenshot_and_every_screenshot_is_shown():
    names = _shot_names()
    assert len(names) == len(set(names)), "two tests write the same image"
    linked = set().union(*_linked().values())
    assert set(names) == linked, {"not shown": set(names) - linked, "not written by a test": linked - set(names)}
    assert 12 <= len(names) <= 20
    for name in names:
        image = GUIDE / "img" / f"{name}.png"
        assert image.is_file(), f"{image} is missing: run pytest tests/test_journey_browser.py"
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size < 150_000, name
    assert {p.stem for p in (GUIDE / "img").glob("*.png")} == set(names), "a stale image is left in the folder"


def test_every_role_has_a_chapter_with_screenshots_and_the_index_links_them():
    linked = _linked()
    index = (GUIDE / "index.md").read_text("utf-8")
    for role in ("sme", "tto", "operator", "evaluator"):
        assert linked[role], role
        assert f"]({role}.md)" in index, role
    docs = (ROOT / "docs" / "guide" / "README.md").read_text("utf-8")
    assert "api/web/guide" in docs


def test_the_markdown_subset_renders_and_escapes():
    page = to_html("# 标题\n\n一段**重点**和 `patent-match demo`，见[中小企业](sme.md)。\n\n![图](img/sme-matches.png)\n\n"
                   "- 第一项\n- 第二项\n\n1. 甲\n2. 乙\n\n> 规则：先付费。\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n\n"
                   "<script>alert(1)</script>\n\n```\npatent-match serve\n```")
    assert '<h1 id="标题">标题</h1>' in page
    assert "<strong>重点</strong>" in page and "<code>patent-match demo</code>" in page
    assert '<a href="/ui/help/sme">中小企业</a>' in page
    assert '<img src="/ui/help/img/sme-matches.png" alt="图">' in page
    assert "<ul><li>第一项</li><li>第二项</li></ul>" in page and "<ol><li>甲</li><li>乙</li></ol>" in page
    assert '<blockquote class="rule"><p>规则：先付费。</p></blockquote>' in page
    assert "<th>甲</th>" in page and "<td>2</td>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<pre><code>patent-match serve</code></pre>" in page


def test_the_chinese_quick_start_has_the_readme_commands_and_links_the_guide():
    readme = (ROOT / "README.md").read_text("utf-8")
    chinese = (ROOT / "README.zh-CN.md").read_text("utf-8")
    first = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    assert first in chinese  # the same two commands, first
    assert "patent-match serve" in chinese and "pytest" in chinese
    assert "README.zh-CN.md" in "\n".join(readme.splitlines()[:3])  # one line under the title
    for role in ("sme", "tto", "operator", "evaluator"):
        assert f"api/web/guide/{role}.md" in chinese, role
