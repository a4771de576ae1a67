"""A stand-in for smtplib.SMTP that keeps what would have been sent (no mail server in the tests)."""

from __future__ import annotations

import smtplib

import pytest


def fake_smtp(monkeypatch: pytest.MonkeyPatch, expect: tuple[str, int] | None = None) -> list:
    """Replace smtplib.SMTP; the returned list collects every message sent. With `expect`, the host and
    port the sender connects to are checked."""
    sent: list = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):  # noqa: ANN001
            assert expect is None or (host, port) == expect

        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc):  # noqa: ANN002, ANN204
            return False

        def send_message(self, message):  # noqa: ANN001
            sent.append(message)

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return sent
