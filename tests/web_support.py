"""A demo database served by a real uvicorn server on loopback, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.serve import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(os.environ.get("PATENT_MATCH_SCREENSHOTS", Path(__file__).resolve().parents[1] / "test-output"
                                  / "screenshots"))


@contextmanager
def served(app) -> Iterator[str]:  # noqa: ANN001
    """`app` served by uvicorn on a free loopback port in a thread, for as long as the block runs; its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, {role: demo key}, engine): `patent-match demo` then `patent-match serve`, in this process."""

    from api.app import create_app
    from api.cli import main
    from api.cli_match import load_matcher
    from data.db import make_engine
    from data.settings import get_settings

    home = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{home / 'web.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATENT_MATCH_HOME", str(home / "home"))
        patch.setenv("PATENT_MATCH_ENCODER", "keyword")
        get_settings.cache_clear()
        result = CliRunner().invoke(main, ["--db", url, "demo", "--as-of", "2026-11-21"])
        assert result.exit_code == 0, result.output
        keys = {line.split()[0]: line.split()[1]
                for line in (home / "home" / "demo-keys.txt").read_text(encoding="utf-8").splitlines()}
        engine = make_engine(url)
        app = create_app(engine)
        app.state.matcher = load_matcher(engine)  # while the settings point at this module's data directory
        with served(app) as base:
            yield base, keys, engine
        engine.dispose()
        get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing (apt-get install chromium; .ci/run installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sign_in(browser, base: str, key: str, viewport: dict | None = None):  # noqa: ANN001, ANN201
    """A fresh browser context (its own cookies) signed in with `key`."""
    context = browser.new_context(base_url=base, viewport=viewport or {"width": 1280, "height": 900},
                                  locale="zh-CN")
    page = context.new_page()
    page.goto("/ui/signin")
    page.fill("#f-key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ui/")
    return page


def shot(page, name: str, full_page: bool = True) -> Path:  # noqa: ANN001
    folder = SCREENSHOTS
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only checkout: the screenshots are for looking at, never a reason to fail
        folder = Path(tempfile.gettempdir()) / "patent-match-screenshots"
        folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.wait_for_function("Array.from(document.images).every(image => image.complete && image.naturalWidth > 0)")
    page.screenshot(path=str(path), full_page=full_page)
    return path
