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


def start_server(url: str, timeout: float = 60, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """`patent-match serve` over `url` on a free loopback port, once /health answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", "from api.cli import main; main()", "--db", url, "serve",
                               "--port", str(port), "--workers", str(workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"the server did not start: {server.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)


@contextmanager
def served_demo(home: Path, url: str, workers: int = 1) -> Iterator[tuple[str, dict[str, str], object]]:
    """(base URL, {role: demo key}, engine); the server is a separate process, as in production."""
    from data.db import make_engine

    subprocess.run([sys.executable, "-c", "from api.cli import main; main()", "--db", url, "demo"], check=True,
                   capture_output=True)
    keys = {line.split()[0]: line.split()[1] for line in (home / "demo-keys.txt").read_text("utf-8").splitlines()}
    server, base = start_server(url, workers=workers)
    engine = make_engine(url)
    try:
        yield base, keys, engine
    finally:
        engine.dispose()
        server.terminate()
        server.wait(10)
