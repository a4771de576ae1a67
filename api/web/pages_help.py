"""帮助: the user guide (用户手册) inside the web interface, one page per role, from the Markdown files that ship
with the package (api/web/guide/, package data, so a wheel install has them; docs/guide points there).

The guide uses a small subset of Markdown, rendered here rather than adding a dependency: headings, paragraphs,
flat lists, fenced code, pipe tables, block quotes, images, links, bold and inline code. Every character of the
source is escaped before the markup is added, so the guide cannot inject HTML into a page.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from api.deps import session
from api.web.core import SignInRequired, WebError, current_user, language, render
from api.web.i18n import translator

router = APIRouter()
GUIDE = Path(__file__).parent / "guide"
PAGES = ("index", "sme", "tto", "operator", "evaluator")  # index.md, sme.md, …
IMAGE = re.compile(r"[a-z0-9][a-z0-9-]*\.png")


def _inline(text: str) -> str:
    """Escaped text with code, images, links and bold; guide links (x.md, img/x.png) point at the help pages."""
    codes: list[str] = []

    def keep(match: re.Match) -> str:
        codes.append(f"<code>{html.escape(match.group(1))}</code>")
        return f"\x00{len(codes) - 1}\x00"

    text = html.escape(re.sub(r"`([^`]+)`", keep, text), quote=True)

    def target(href: str) -> str:
        if re.fullmatch(r"img/" + IMAGE.pattern, href):
            return "/ui/help/" + href
        page = re.fullmatch(r"(\w+)\.md(#[\w-]+)?", href)
        if page and page.group(1) in PAGES:
            return ("/ui/help" if page.group(1) == "index" else f"/ui/help/{page.group(1)}") + (page.group(2) or "")
        return href

    text = re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)",
                  lambda m: f'<img src="{target(m.group(2))}" alt="{m.group(1)}">', text)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", lambda m: f'<a href="{target(m.group(2))}">{m.group(1)}</a>', text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], text)


def to_html(source: str) -> str:
    out: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            out.append("<pre><code>" + html.escape("\n".join(lines[i + 1:end])) + "</code></pre>")
            i = end + 1
        elif heading := re.match(r"(#{1,4}) (.*)", line):
            level = len(heading.group(1))
            anchor = re.sub(r"\W+", "-", heading.group(2)).strip("-").lower()
            out.append(f'<h{level} id="{html.escape(anchor)}">{_inline(heading.group(2))}</h{level}>')
            i += 1
        elif re.match(r"(- |\d+\. )", line):
            tag = "ul" if line.startswith("- ") else "ol"
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                item = re.match(r"(- |\d+\. )(.*)", lines[i])
                if item:
                    items.append(item.group(2))
                else:  # an indented continuation line
                    items[-1] += " " + lines[i].strip()
                i += 1
            start = re.match(r"\d+", line)
            opening = f'<ol start="{start.group()}">' if start and start.group() != "1" else f"<{tag}>"
            out.append(opening + "".join(f"<li>{_inline(x)}</li>" for x in items) + f"</{tag}>")
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    rows.append(cells)
                i += 1
            head, *body = rows
            out.append('<div class="table-wrap"><table><thead><tr>' + "".join(f"<th>{_inline(c)}</th>" for c in head)
                       + "</tr></thead><tbody>" + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row)
                                                          + "</tr>" for row in body) + "</tbody></table></div>")
        else:
            quote = line.startswith("> ")
            block = []
            while i < len(lines) and lines[i].strip() and not re.match(r"(#{1,4} |- |\d+\. |\||```)", lines[i]):
                block.append(lines[i].removeprefix("> ").removeprefix(">"))
                i += 1
            text = f"<p>{_inline(' '.join(block))}</p>"
            out.append(f'<blockquote class="rule">{text}</blockquote>' if quote else text)
    return "\n".join(out)


def _reader(request: Request, db: Session = Depends(session)):  # noqa: ANN202
    """The signed-in person, or None: the guide is for everyone, including whoever has not signed in yet."""
    try:
        return current_user(request, db)
    except SignInRequired:
        return None


def _page(request: Request, user, name: str) -> Response:  # noqa: ANN001
    source = (GUIDE / f"{name}.md").read_text(encoding="utf-8")
    title = source.splitlines()[0].lstrip("# ").strip()
    return render(request, user, "help.html", title=title, body=to_html(source), current=name, pages=PAGES)


@router.get("/help")
def index(request: Request, user=Depends(_reader)) -> Response:  # noqa: ANN001
    return _page(request, user, "index")


@router.get("/help/img/{name}")
def image(request: Request, name: str) -> Response:
    path = GUIDE / "img" / name
    if not IMAGE.fullmatch(name) or not path.is_file():
        raise WebError(404, translator(language(request))("help.missing"))
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


@router.get("/help/{name}")
def page(request: Request, name: str, user=Depends(_reader)) -> Response:  # noqa: ANN001
    if name not in PAGES or name == "index":
        raise WebError(404, translator(language(request))("help.missing"))
    return _page(request, user, name)
