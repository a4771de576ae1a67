"""Keep-alive connections spread over the processes of `patent-match serve --workers N`.

uvicorn's workers accept from one shared socket, and a worker's event loop stays free to accept while
its threads match, so clients that connect at the same moment can all land on one worker and keep
that connection for good (measured with `ss -tnp`: 8 keep-alive clients, 2 workers, all 8 on one
worker while the other sat idle). So a worker that has more requests in flight than the least busy
of the others plus one answers `Connection: close`; the client's next request opens a new connection,
which an idle worker, whose event loop is not waiting for the GIL, tends to accept first. Workers
publish how many requests they hold in a small shared file (`WorkerLoads`); once the loads are
within one of each other no connection moves. Without that file a worker closes whenever it holds
another request.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import numpy as np

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
CLOSE = (b"connection", b"close")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


class WorkerLoads:
    """Slots of (pid, requests in flight), one per worker process, in a file every worker maps. Each
    worker writes only its own slot; aligned 8-byte stores are never seen half-written."""

    def __init__(self, path: Path) -> None:
        import fcntl  # POSIX; `serve --workers N` elsewhere shares by the simpler rule

        with path.open("r+b") as handle:
            self._map = mmap.mmap(handle.fileno(), 0)
        self.slots = np.ndarray((len(self._map) // 16, 2), dtype=np.int64, buffer=self._map)
        with path.open("r+b") as lock:  # two workers starting together must not take one slot
            fcntl.flock(lock, fcntl.LOCK_EX)
            free = [i for i, (pid, _) in enumerate(self.slots) if pid == 0 or not _alive(int(pid))]
            self.slot = free[0] if free else None
            if self.slot is not None:
                self.slots[self.slot] = (os.getpid(), 0)

    @staticmethod
    def create(workers: int) -> Path:
        """A zeroed file for `workers` (twice as many slots: a restarted worker takes a dead one's slot)."""
        folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
        handle, name = tempfile.mkstemp(prefix="patent-match-loads-", dir=folder)
        os.write(handle, bytes(16 * 2 * workers))
        os.close(handle)
        return Path(name)

    def publish(self, in_flight: int) -> None:
        if self.slot is not None:
            self.slots[self.slot, 1] = in_flight

    def least_other(self) -> int | None:
        """Requests in flight at the least busy other live worker; None when there is none."""
        others = [int(load) for i, (pid, load) in enumerate(self.slots)
                  if i != self.slot and pid and _alive(int(pid))]
        return min(others, default=None)


class ShareConnections:
    """ASGI middleware; its counter is only touched on the event loop, so it needs no lock."""

    def __init__(self, app: Callable[[Message, Receive, Send], Awaitable[None]],
                 loads: WorkerLoads | None = None) -> None:
        self.app, self.loads, self.in_flight = app, loads, 0

    def _should_close(self) -> bool:
        if self.loads is None or self.loads.slot is None:
            return self.in_flight > 1
        least = self.loads.least_other()
        return least is not None and self.in_flight > least + 1

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_closing_when_busy(message: Message) -> None:
            if message["type"] == "http.response.start" and self._should_close():
                message = {**message, "headers": [*message.get("headers", ()), CLOSE]}
            await send(message)

        self._count(+1)
        try:
            await self.app(scope, receive, send_closing_when_busy)
        finally:
            self._count(-1)

    def _count(self, change: int) -> None:
        self.in_flight += change
        if self.loads is not None:
            self.loads.publish(self.in_flight)
