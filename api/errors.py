"""HTTP errors the service raises beyond FastAPI's own."""

from __future__ import annotations

from fastapi import HTTPException, status


class FieldConflict(HTTPException):
    """A 409 whose cause is one or more fields (`fields`: name → message), so a web form can show each
    message next to its field; the JSON answer is the usual {"detail": "field：message；…"}."""

    def __init__(self, fields: dict[str, str], detail: str) -> None:
        super().__init__(status.HTTP_409_CONFLICT, detail)
        self.fields = fields
