"""IPC → strategic emerging industries (CNIPA's 2021 concordance, two-level codes such as 6.3)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class IndustryHit:
    sei_code: str
    name: str
    matched_ipc: str  # the concordance entry that matched (may be broader than the patent's code)


def _rows(name: str) -> list[list[str]]:
    text = resources.files("matching").joinpath(f"reference/{name}").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return [line.split("\t") for line in lines[1:]]  # first non-comment line is the header


@lru_cache(maxsize=1)
def sei_names() -> dict[str, str]:
    return {code: name for code, name in _rows("sei_2021.tsv")}


@lru_cache(maxsize=1)
def _concordance() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for ipc, sei in _rows("ipc_sei_2021.tsv"):
        table.setdefault(ipc, []).append(sei)
    return {ipc: tuple(codes) for ipc, codes in table.items()}


def broader_codes(code: str) -> list[str]:
    """'H01M 10/0525' → itself, 'H01M 10/052', 'H01M 10/05', 'H01M 10/00', 'H01M'.

    The concordance lists exact codes only. Shortening the subgroup digit by digit approximates
    the IPC hierarchy (which is defined by dots in the scheme, not by digits) closely enough for
    industry mapping; the main group and the subclass are exact ancestors."""
    if " " not in code:
        return [code]
    subclass, group = code.split(" ", 1)
    main, _, sub = group.partition("/")
    chain = [code]
    while len(sub) > 2:
        sub = sub[:-1]
        chain.append(f"{subclass} {main}/{sub}")
    chain += [f"{subclass} {main}/00", subclass]
    return list(dict.fromkeys(chain))


def industries_for_ipc(code: str) -> list[IndustryHit]:
    """The industries of the most specific concordance entry at or above `code`."""
    table = _concordance()
    for candidate in broader_codes(code):
        if candidate in table:
            return [IndustryHit(s, sei_names()[s], candidate) for s in table[candidate]]
    return []
