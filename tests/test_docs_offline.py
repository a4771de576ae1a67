"""/docs (Swagger UI) and /redoc (ReDoc) render on a machine with no network: their assets come from
this process, never a CDN (api/docs_ui.py, issue 22). Debian's Chromium has every request to a host
other than loopback aborted, so a page that still loads anything from outside stays blank here."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.web_support import served

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory):
    """The API app over an empty, migrated SQLite database, served by uvicorn on loopback."""
    from api.app import create_app
    from data.db import make_engine
    from data.settings import get_settings

    home = tmp_path_factory.mktemp("docs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATENT_MATCH_HOME", str(home / "home"))
        patch.setenv("PATENT_MATCH_ENCODER", "keyword")
        patch.delenv("PATENT_MATCH_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        engine = make_engine(f"sqlite:///{home / 'docs.db'}")
        app = create_app(engine)
        with served(app) as base:
            yield base, app
        engine.dispose()
        get_settings.cache_clear()


def _offline_page(browser, base: str):  # noqa: ANN001, ANN202
    """A page whose requests to anywhere but loopback are aborted, and the list of those it tried."""
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []

    def guard(route) -> None:  # noqa: ANN001
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return page, outside


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_name_no_outside_address(docs_site, path):
    _, app = docs_site
    client = TestClient(app)
    html = client.get(path).text
    assert not re.findall(r"(?:src|href|url)\s*[=:]\s*['\"]?(?:https?:)?//", html), html
    assets = re.findall(r"(?:src|href)=\"(/[^\"]+)\"", html)
    assert len(assets) >= 2 and all(client.get(a).status_code == 200 for a in assets)


def test_swagger_ui_renders_the_operations_offline(docs_site, browser):
    base, _ = docs_site
    page, outside = _offline_page(browser, base)
    page.goto("/docs")
    need_list = page.locator(".opblock-get .opblock-summary-path[data-path='/needs']")
    need_list.first.wait_for(state="visible", timeout=20_000)
    assert page.locator(".opblock-post .opblock-summary-path[data-path='/needs']").first.is_visible()
    assert page.locator(".opblock").count() >= 20  # every operation listed, not one stray block
    assert not outside, outside
    page.context.close()


def test_redoc_renders_the_operations_offline(docs_site, browser):
    base, _ = docs_site
    page, outside = _offline_page(browser, base)
    page.goto("/redoc")
    # Each operation is a section with its method and path in the right-hand panel.
    needs = page.locator("[data-section-id^='operation/']").filter(has_text=re.compile(r"get\s*/needs(?!/)", re.I))
    needs.first.wait_for(state="visible", timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() >= 20
    assert not outside, outside
    page.context.close()
