"""Every operation of the HTTP API documents itself: a summary written for it and a description."""

from __future__ import annotations

import re

from api.app import create_app


def test_every_operation_has_a_summary_and_a_description(engine):
    spec = create_app(engine).openapi()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            # FastAPI makes a summary from the function's name ("List Deals") when none is given: that one
            # says nothing the path does not, so it does not count.
            name = operation["operationId"].removesuffix(f"{re.sub(r'[^0-9a-zA-Z_]', '_', path)}_{method}")
            generated = name.replace("_", " ").title()
            if not operation.get("summary") or operation["summary"] == generated:
                missing.append(f"{method.upper()} {path}: summary")
            if not (operation.get("description") or "").strip():
                missing.append(f"{method.upper()} {path}: description")
    assert len(spec["paths"]) >= 40 and not missing, missing
