"""A learned correction of need vectors: SME wording moved towards the patents that solve it.

The default encoder embeds "噪音大，客户投诉" and a patent about 振动抑制 far apart, although one
answers the other. Judged needs show where such needs should land. A low-rank linear map learns
that from them:

    q' = normalise(q + q·A·B),   A: d × r, B: r × d (r = 8 by default)

It is fitted on judged (need, patent) pairs. The loss is the softmax over every document vector of
the corpus, with each need's relevant patents as the target distribution, weighted by their
grade. An L2 penalty on A and B keeps the map near the identity. The map also moves queries that
are not SME problem statements: short patent-like titles lose a little (title2abstract MRR@10
−0.005 without the gate below, −0.004 with it). An optional second term (`anchor_weight`) pulls
anchors, patent titles of the corpus, to their own patent. It was measured and is off by default
(docs/matching.md): it halved the dense loss on titles but not the full ranker's, and cost the
needs some of their gain. An optional `gate` leaves alone a query whose raw vector already lies
within that cosine of some patent: a title-like query that nearly names a patent needs no bridge,
and an SME problem statement rarely comes that close (its threshold is chosen on training needs and
corpus titles, `patent-match models adapt --choose-gate`). `leave_titles` also leaves alone a query written
the way patent titles are (`reads_as_patent_title`); `--choose-gate` decides whether to, with the gate, by
the same criterion on the same data (the shipped adapter does not: it tied, docs/matching.md). `scale` applies
only that share of the correction (q + scale·q·A·B), chosen with the gate too: a half-way move keeps more of a
title's own wording while still bridging a need's (the shipped adapter applies all of it: a smaller share did not
win, docs/matching.md). The gate reads
the index's top-1 inner product: exact for Flat and IVF-Flat, within half-precision rounding for SQfp16, approximate for
PQ, where a query near the threshold may fall on the other side of it. Only query vectors change:
documents, the index and the embedding cache stay as they are (raw query vectors are cached; the
map is applied after).

An adapter belongs to the encoder whose vector space it was fitted in (`encoder_id`). With another
encoder it is not applied. Fitting needs torch (the `st` extra). Applying it is one numpy matrix
product.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from indexer.encoders import l2_normalize

SHIPPED = Path(__file__).parent / "reference" / "query_adapter"
SENTENCE_MARKS = re.compile(r"[，。；！？、：,.;!?:]")


def reads_as_patent_title(text: str) -> bool:
    """The usual form of a Chinese patent title: "一种…", one noun phrase, no sentence marks. None of the 248 team
    and shared needs is written so (they are sentences), nor any problem2patent problem."""
    stripped = text.strip()
    return stripped.startswith("一种") and not SENTENCE_MARKS.search(stripped)


@dataclass(frozen=True)
class AdapterSettings:
    rank: int = 8
    steps: int = 200
    penalty: float = 0.1
    temperature: float = 0.05
    learning_rate: float = 0.01
    seed: int = 0
    anchor_weight: float = 0.0  # the anchors' loss term against the needs' (each a mean over its pairs); 0: none


@dataclass(frozen=True)
class QueryAdapter:
    a: np.ndarray  # d × r
    b: np.ndarray  # r × d
    encoder_id: str
    source: str  # what it was fitted on
    settings: AdapterSettings = field(default_factory=AdapterSettings)
    metrics: Mapping[str, float] = field(default_factory=dict)
    gate: float | None = None  # raw top-1 cosine at or above which a query is left as it is; None: never
    leave_titles: bool = False  # queries that read as patent titles are left as they are
    scale: float = 1.0  # the share of the correction applied, chosen with the gate (q + scale·q·A·B)

    @property
    def id(self) -> str:
        """Names the map in caches of derived figures (calibrations): changes when the weights or what it leaves
        alone change."""
        import hashlib

        gate = b"" if self.gate is None else f"gate={self.gate:.6f}".encode()
        titles = b"titles" if self.leave_titles else b""
        scale = b"" if self.scale == 1.0 else f"scale={self.scale:.6f}".encode()  # ids from before scales stay
        return hashlib.sha256(self.a.tobytes() + self.b.tobytes() + gate + titles + scale).hexdigest()[:12]

    def apply(self, vectors: np.ndarray, nearest: np.ndarray | None = None,
              texts: Sequence[str] | None = None) -> np.ndarray:
        """`nearest[i]`: query i's raw top-1 cosine over the documents, required with a gate; `texts[i]`: its text,
        required when titles are left alone."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if not len(vectors):
            return vectors
        adapted = l2_normalize(vectors + self.scale * ((vectors @ self.a) @ self.b))
        kept = self.kept(len(vectors), nearest, texts)
        adapted[kept] = vectors[kept]
        return adapted

    @property
    def leaves_some_alone(self) -> bool:
        """Whether `kept` can keep a query; only then does the retriever search the raw vectors first."""
        return self.gate is not None or self.leave_titles

    def kept(self, count: int, nearest: np.ndarray | None = None, texts: Sequence[str] | None = None) -> np.ndarray:
        """Which of `count` queries are left as they are: at or above the gate, or (`leave_titles`) written as
        titles."""
        kept = np.zeros(count, dtype=bool)
        if self.gate is not None:
            if nearest is None:
                raise ValueError("this query adapter has a gate: it needs each query's raw top-1 cosine")
            kept |= np.asarray(nearest, dtype=np.float32) >= self.gate
        if self.leave_titles:
            if texts is None:
                raise ValueError("this query adapter leaves titles alone: it needs each query's text")
            kept |= np.array([reads_as_patent_title(t) for t in texts], dtype=bool)
        return kept

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(directory / "weights.npz", a=self.a, b=self.b)
        manifest = {"encoder_id": self.encoder_id, "source": self.source, "settings": asdict(self.settings),
                    "metrics": dict(self.metrics), "gate": self.gate, "leave_titles": self.leave_titles,
                    "scale": self.scale, "id": self.id}
        (directory / "adapter.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> QueryAdapter:
        manifest = json.loads((directory / "adapter.json").read_text(encoding="utf-8"))
        with np.load(directory / "weights.npz") as weights:
            a, b = weights["a"].astype(np.float32), weights["b"].astype(np.float32)
        return cls(a, b, manifest["encoder_id"], manifest["source"], AdapterSettings(**manifest["settings"]),
                   manifest.get("metrics", {}), manifest.get("gate"), manifest.get("leave_titles", False),
                   manifest.get("scale", 1.0))


def fit_adapter(query_vectors: np.ndarray, document_vectors: np.ndarray,
                targets: Sequence[Mapping[int, float]], encoder_id: str, source: str,
                settings: AdapterSettings | None = None, anchor_vectors: np.ndarray | None = None,
                anchor_rows: Sequence[int] = ()) -> QueryAdapter:
    """`targets[i]` maps document rows to the grade of their relevance to need i (needs without one are skipped);
    anchor i (a patent title's vector) has document row `anchor_rows[i]`, its own patent, as its target."""
    import torch

    settings = settings or AdapterSettings()
    keep = [i for i, t in enumerate(targets) if any(g > 0 for g in t.values())]
    if not keep:
        raise ValueError("no judged need has a relevant patent: nothing to fit the adapter on")
    torch.manual_seed(settings.seed)
    dim = query_vectors.shape[1]
    documents = torch.tensor(np.asarray(document_vectors, dtype=np.float32))
    terms = [(torch.tensor(np.asarray(query_vectors, dtype=np.float32)[keep]),
              _target([targets[i] for i in keep], len(documents)), 1.0)]
    if anchor_vectors is not None and len(anchor_rows) and settings.anchor_weight > 0:  # weight 0: no softmax to pay
        terms.append((torch.tensor(np.asarray(anchor_vectors, dtype=np.float32)),
                      _target([{r: 1.0} for r in anchor_rows], len(documents)), settings.anchor_weight))
    a = torch.nn.Parameter(torch.randn(dim, settings.rank) * 0.01)
    b = torch.nn.Parameter(torch.zeros(settings.rank, dim))
    optimizer = torch.optim.Adam([a, b], lr=settings.learning_rate)
    for _ in range(settings.steps):
        loss = settings.penalty * (a.pow(2).sum() + b.pow(2).sum())
        for queries, target, weight in terms:
            adapted = torch.nn.functional.normalize(queries + queries @ a @ b, dim=-1)
            log_p = torch.log_softmax(adapted @ documents.T / settings.temperature, dim=-1)
            loss = loss - weight * (target * log_p).sum(dim=1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return QueryAdapter(a.detach().numpy(), b.detach().numpy(), encoder_id, source, settings)


def _target(rows: Sequence[Mapping[int, float]], documents: int):  # noqa: ANN202  (a torch tensor)
    import torch

    target = torch.zeros(len(rows), documents)
    for row, grades in enumerate(rows):
        for column, grade in grades.items():
            target[row, column] = max(grade, 0.0)
    return target / target.sum(dim=1, keepdim=True)


def shipped_adapter(encoder_id: str) -> QueryAdapter | None:
    """The adapter shipped with the platform, when it was fitted for this encoder."""
    if not (SHIPPED / "adapter.json").exists():
        return None
    adapter = QueryAdapter.load(SHIPPED)
    return adapter if adapter.encoder_id == encoder_id else None
