"""Keep-alive connections spread over the processes of `patent-match serve --workers N`.

uvicorn's workers accept from one shared socket, and a worker's event loop stays free to accept while
its threads match, so clients that connect at the same moment can all land on one worker and keep
that connection for good (measured: 8 keep-alive clients, 2 workers, all 8 on one worker while the
other sat idle). A worker that has another request in flight therefore answers `Connection: close`:
the client's next request opens a new connection, and the worker with less to do, whose event loop
is not waiting for the GIL, tends to accept it first. An idle worker keeps its connections.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
CLOSE = (b"connection", b"close")


class ShareConnections:
    """ASGI middleware; its counter is only touched on the event loop, so it needs no lock."""

    def __init__(self, app: Callable[[Message, Receive, Send], Awaitable[None]]) -> None:
        self.app, self.in_flight = app, 0

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_closing_when_busy(message: Message) -> None:
            if message["type"] == "http.response.start" and self.in_flight > 1:
                message = {**message, "headers": [*message.get("headers", ()), CLOSE]}
            await send(message)

        self.in_flight += 1
        try:
            await self.app(scope, receive, send_closing_when_busy)
        finally:
            self.in_flight -= 1
