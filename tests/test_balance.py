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


def test_workers_share_their_loads_through_one_file(tmp_path):
    from api.balance import WorkerLoads

    path = WorkerLoads.create(2)
    try:
        first, second = WorkerLoads(path), WorkerLoads(path)  # as two workers attach (here: one pid, two slots)
        assert (first.slot, second.slot) == (0, 1) and len(first.slots) == 4
        assert first.least_other() == 0  # the other is idle
        second.publish(3)
        first.publish(5)
        assert first.least_other() == 3 and second.least_other() == 5
        second.slots[1, 0] = 2**22 + 12345  # a worker that died (no such pid): its slot is ignored and reused
        assert first.least_other() is None and WorkerLoads(path).slot == 1
    finally:
        path.unlink()


def test_only_the_busier_worker_hands_connections_back(tmp_path):
    from api.balance import ShareConnections, WorkerLoads

    path = WorkerLoads.create(2)
    try:
        mine, other = WorkerLoads(path), WorkerLoads(path)
        middleware = ShareConnections(None, mine)
        for held, others, closes in ((5, 3, True), (4, 3, False), (4, 4, False), (2, 0, True), (1, 0, False)):
            middleware.in_flight = held
            other.publish(others)
            assert middleware._should_close() is closes, (held, others)
    finally:
        path.unlink()
