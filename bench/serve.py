"""`patent-match demo` then `patent-match serve` on a free loopback port, as a context manager."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_demo(home: Path, url: str) -> Iterator[tuple[str, dict[str, str], object]]:
    """(base URL, {role: demo key}, engine); the server is a separate process, as in production."""
    from data.db import make_engine

    cli = [sys.executable, "-c", "from api.cli import main; main()", "--db", url]
    subprocess.run([*cli, "demo"], check=True, capture_output=True)
    keys = {line.split()[0]: line.split()[1] for line in (home / "demo-keys.txt").read_text("utf-8").splitlines()}
    port = free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        engine = make_engine(url)
        yield base, keys, engine
        engine.dispose()
    finally:
        server.terminate()
        server.wait(10)
