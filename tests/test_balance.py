"""A busy worker hands its keep-alive connections back (api/balance.py)."""

from __future__ import annotations

import asyncio

from api.balance import CLOSE, ShareConnections


def test_a_worker_closes_connections_only_while_it_has_other_requests():
    release = {path: asyncio.Event() for path in ("/a", "/b")}
    sent: dict[str, list] = {}

    async def app(scope, receive, send):  # noqa: ANN001
        await release[scope["path"]].wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    middleware = ShareConnections(app)

    async def request(path: str) -> None:
        async def send(message):  # noqa: ANN001
            sent.setdefault(path, []).append(message)

        await middleware({"type": "http", "path": path}, None, send)

    async def run() -> None:
        first, second = asyncio.create_task(request("/a")), asyncio.create_task(request("/b"))
        await asyncio.sleep(0)
        assert middleware.in_flight == 2
        release["/a"].set()
        await first  # answered while /b waits: this connection goes back to the pool of workers
        release["/b"].set()
        await second  # answered alone: the connection stays
        assert middleware.in_flight == 0

    asyncio.run(run())
    assert CLOSE in sent["/a"][0]["headers"] and (b"content-type", b"text/plain") in sent["/a"][0]["headers"]
    assert CLOSE not in sent["/b"][0]["headers"]
    assert sent["/a"][1] == {"type": "http.response.body", "body": b"ok"}
