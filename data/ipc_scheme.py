"""The IPC subclass table the project ships (data/reference/ipc_subclasses.tsv)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_REFERENCE_NOTE = re.compile(r"（[^（）]*入[^（）]*）|〔\d+〕|\[\d{8}\]")


@lru_cache(maxsize=1)
def subclass_titles() -> dict[str, str]:
    """Subclass code → official Chinese title, reference notes removed for display."""
    text = resources.files("data").joinpath("reference/ipc_subclasses.tsv").read_text("utf-8")
    titles: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        if line.startswith("#") or line.startswith("code\t"):
            continue
        code, title = line.split("\t", 1)
        titles[code] = _REFERENCE_NOTE.sub("", title).strip()
    return titles


def is_known_subclass(subclass: str) -> bool:
    return subclass in subclass_titles()
