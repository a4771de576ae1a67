"""How sure a match is, in words a user reads: 强匹配 / 中匹配 / 弱匹配.

The ranker's score orders patents but means nothing on its own. Its relevance part (the weighted
retrieval, IPC, cluster, effect and product features; the platform's policy preferences such as
value or region are left out, because they say nothing about whether the patent solves the need, and so
is `phrase`, whose weight was chosen for queries that name a patent, not for needs: read into the
relevance part it lowered the strengths' precision on the training needs, docs/matching.md)
is mapped to the probability that a judge calls the patent relevant: an isotonic regression fitted
on judged (need, patent) pairs (`patent-match eval calibrate`, on needs-train). The cut-offs are
the lowest relevance scores at which that probability reaches STRONG_P and MEDIUM_P.

A calibration belongs to the weights it was fitted with. Under other weights (a learned ranker, a
static encoder's deployment) the scores mean something else, so no strength is claimed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from matching.features import RETRIEVAL

if TYPE_CHECKING:
    from matching.query_adapter import QueryAdapter

RELEVANCE = (*RETRIEVAL, "ipc", "cluster", "effect", "product")
STRONG_P, MEDIUM_P = 0.6, 0.3
STRENGTHS = ("strong", "medium", "weak")
LABELS_ZH = {"strong": "强匹配", "medium": "中匹配", "weak": "弱匹配"}
SHIPPED = Path(__file__).parent / "reference" / "confidence.json"


def relevance_score(weights: Mapping[str, float], features: Mapping[str, float]) -> float:
    return sum(weights.get(name, 0.0) * features.get(name, 0.0) for name in RELEVANCE)


@dataclass(frozen=True)
class Calibration:
    strong_from: float  # relevance score at which P(relevant) reaches STRONG_P
    medium_from: float  # … reaches MEDIUM_P
    weights: Mapping[str, float]  # the relevance weights the scores were computed with
    fusion: str
    source: str  # what it was fitted on
    adapter: str = ""  # the query adapter's id the dense scores came through ("" for none)

    def applies_to(self, weights: Mapping[str, float], fusion: str, adapter: QueryAdapter | None = None) -> bool:
        return fusion == self.fusion and (adapter.id if adapter else "") == self.adapter and \
            all(abs(weights.get(n, 0.0) - self.weights.get(n, 0.0)) < 1e-9 for n in RELEVANCE)

    def strength(self, relevance: float) -> str:
        if relevance >= self.strong_from:
            return "strong"
        return "medium" if relevance >= self.medium_from else "weak"

    def save(self, path: Path) -> None:
        finite = {"strong_from": self.strong_from, "medium_from": self.medium_from}
        path.write_text(json.dumps({k: (None if math.isinf(v) else v) for k, v in finite.items()} | {
                                    "weights": {n: self.weights.get(n, 0.0) for n in RELEVANCE},
                                    "fusion": self.fusion, "source": self.source, "adapter": self.adapter,
                                    "strong_p": STRONG_P,
                                    "medium_p": MEDIUM_P}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> Calibration | None:
        path = path or SHIPPED  # read when called, so a deployment (or a test) can point elsewhere
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        cutoffs = [math.inf if data[k] is None else float(data[k]) for k in ("strong_from", "medium_from")]
        return cls(*cutoffs, data["weights"], data["fusion"], data["source"], data.get("adapter", ""))


def fit_cutoffs(relevance: Sequence[float], relevant: Sequence[bool]) -> tuple[float, float]:
    """The lowest scores at which the isotonic fit of P(relevant | score) reaches STRONG_P and MEDIUM_P
    (infinity when it never does: then no match is called strong, or medium)."""
    from sklearn.isotonic import IsotonicRegression

    x = np.asarray(relevance, dtype=float)
    fitted = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(x, np.asarray(relevant, dtype=float))
    order = np.sort(np.unique(x))
    probability = fitted.predict(order)

    def first(p: float) -> float:
        reached = order[probability >= p]
        return float(reached[0]) if reached.size else float("inf")

    return first(STRONG_P), first(MEDIUM_P)
