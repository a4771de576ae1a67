"""Patent value index from the indicators the records hold, in the spirit of GB/T 42748-2023.

GB/T 42748-2023 (专利评估指引) assesses a patent along legal, technical and economic dimensions.
This index uses only indicators the platform's records carry; an indicator the record does not
hold is *unknown* (None) and is left out of its dimension's mean instead of being guessed. A
dimension with no known indicator is unknown too, and the overall index is the weighted mean of
the known dimensions, with `coverage` saying how many indicators it rests on.

Indicators (each in [0, 1]):
- legal
  - `status`: granted and valid 1.0; pending 0.3; lapsed or invalid 0; a suspended right (中止) 0.
  - `remaining_term`: years of protection left / statutory term (Patent Law Art. 42).
  - `claims`: min(claims / 10, 1); more claims, broader and more layered protection.
  - `stability`: invention (substantively examined) 1.0; a utility model or design with a patent
    evaluation report (专利权评价报告) 0.8; without one, unknown.
- technical
  - `ipc_breadth`: min(distinct IPC subclasses / 3, 1); a patent classified in several subclasses
    applies across fields.
  - `citations`: log(1 + cited by) / log(1 + 20), capped at 1.
- economic
  - `family`: log(1 + family size) / log(1 + 10), capped at 1; filing abroad signals expected markets.
  - `market_use`: 1.0 when the patent has been transferred, licensed or contributed as equity in a
    deal in force (someone paid for it; a pledge is security, a deal awaiting payment or cancelled
    is not use); unknown otherwise, because an unrecorded deal is not evidence of no value.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from data.enums import DealStatus, LegalStatus, PatentType
from data.patent_terms import expiry_date, term_years
from matching.records import MARKET_KINDS, PatentLike

DIMENSION_WEIGHTS = {"legal": 0.4, "technical": 0.3, "economic": 0.3}
DIMENSIONS = {
    "legal": ("status", "remaining_term", "claims", "stability"),
    "technical": ("ipc_breadth", "citations"),
    "economic": ("family", "market_use"),
}
LABELS = {"legal": "法律", "technical": "技术", "economic": "经济"}


@dataclass(frozen=True)
class ValueScore:
    overall: float | None  # None when no indicator is known
    dimensions: dict[str, float | None]
    indicators: dict[str, float | None] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        return sum(v is not None for v in self.indicators.values()) / len(self.indicators)

    def zh(self) -> str:
        if self.overall is None:
            return "价值指数：未知（记录中无可用指标）"
        parts = "、".join(f"{LABELS[d]}{v:.2f}" if v is not None else f"{LABELS[d]}未知"
                         for d, v in self.dimensions.items())
        return f"价值指数{self.overall:.2f}（{parts}；指标覆盖{self.coverage:.0%}）"


def market_deals(patent: PatentLike) -> int:
    """The deals that count as market use; a PatentRecord carries only those (matching/records.py DEALS)."""
    return sum(1 for deal in patent.transactions if isinstance(deal, int) or (
        deal.kind in MARKET_KINDS and (deal.status or DealStatus.IN_FORCE) == DealStatus.IN_FORCE))


def _log_scaled(value: int | None, full: int) -> float | None:
    return None if value is None else min(math.log1p(max(value, 0)) / math.log1p(full), 1.0)


def indicators(patent: PatentLike, today: dt.date) -> dict[str, float | None]:
    if patent.right_suspended or patent.legal_status in (LegalStatus.LAPSED, LegalStatus.INVALID):
        status = 0.0
    else:
        status = 1.0 if patent.legal_status is LegalStatus.VALID else 0.3
    term = term_years(patent.patent_type, patent.application_date)
    left = (expiry_date(patent.patent_type, patent.application_date) - today).days / 365.25
    if patent.patent_type is PatentType.INVENTION:
        stability: float | None = 1.0
    else:
        stability = 0.8 if patent.has_evaluation_report else None
    subclasses = {i.subclass for i in patent.ipcs}
    return {
        "status": status,
        "remaining_term": min(max(left / term, 0.0), 1.0),
        "claims": None if patent.claim_count is None else min(patent.claim_count / 10, 1.0),
        "stability": stability,
        "ipc_breadth": min(len(subclasses) / 3, 1.0) if subclasses else None,
        "citations": _log_scaled(patent.cited_by_count, 20),
        "family": _log_scaled(patent.family_size, 10),
        "market_use": 1.0 if market_deals(patent) else None,
    }


def value_score(patent: PatentLike, today: dt.date) -> ValueScore:
    values = indicators(patent, today)
    dimensions: dict[str, float | None] = {}
    for dimension, names in DIMENSIONS.items():
        known = [values[n] for n in names if values[n] is not None]
        dimensions[dimension] = sum(known) / len(known) if known else None  # type: ignore[arg-type]
    weighted = [(DIMENSION_WEIGHTS[d], v) for d, v in dimensions.items() if v is not None]
    overall = sum(w * v for w, v in weighted) / sum(w for w, _ in weighted) if weighted else None
    return ValueScore(overall, dimensions, values)
