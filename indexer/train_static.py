"""Training a static embedding model on the operator's own patents (`patent-match models train`).

A distilled static model (indexer/distill.py) copies the teacher's word vectors, so it knows words
but not this corpus. Training adapts it to the corpus, offline, in minutes on two cores: pairs
that describe the same invention — title ↔ abstract, and abstract ↔ first claim where the record
has one — are pulled together, and other patents pushed apart, with the in-batch contrastive loss
(InfoNCE, as sentence-transformers' MultipleNegativesRankingLoss, scale 20). Each pair also brings
one hard negative: a patent the character TF-IDF ranks close to the anchor (rank 3–10, so near
duplicates of the positive are skipped). The table is the only parameter: an EmbeddingBag whose
rows are the vocabulary's vectors, so the result is read by indexer/encoders/static.py like any
distilled model.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

SCALE = 20.0  # MultipleNegativesRankingLoss's default: cosine × 20 as logits
NEGATIVE_RANKS = (3, 10)


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    negative: str
    kind: str  # "title→abstract" or "abstract→claim"


@dataclass(frozen=True)
class TrainReport:
    pairs: dict[str, int]
    epochs: int
    batch_size: int
    learning_rate: float
    steps: int
    first_loss: float  # mean over the first epoch's first tenth
    last_loss: float  # mean over the last epoch's last tenth
    seconds: float
    start: str
    directory: str


def training_pairs(records: Sequence[dict], seed: int = 0) -> list[Pair]:
    """`records` hold `title`, `text` (abstract) and optionally `claims`."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    abstracts = [str(r.get("text") or "") for r in records]
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform(abstracts)
    rng = random.Random(seed)
    low, high = NEGATIVE_RANKS

    def negative(query: str, own: int) -> str:
        scores = (matrix @ vectorizer.transform([query]).T).toarray().ravel()
        scores[own] = -1.0
        ranked = np.argpartition(-scores, high)[:high + 1]
        ranked = ranked[np.argsort(-scores[ranked])]
        return abstracts[int(ranked[rng.randrange(low, high)])]

    pairs = []
    for i, record in enumerate(records):
        title, abstract, claims = str(record.get("title") or ""), abstracts[i], str(record.get("claims") or "")
        if title and abstract:
            pairs.append(Pair(title, abstract, negative(title, i), "title→abstract"))
        if abstract and claims:
            pairs.append(Pair(claims[:500], abstract, negative(claims[:500], i), "abstract→claim"))
    return pairs


def train_static_model(start: Path, pairs: Sequence[Pair], out_dir: Path, epochs: int = 2, batch_size: int = 64,
                       learning_rate: float = 0.05, seed: int = 0,
                       progress: Callable[[int, int, float], None] | None = None) -> TrainReport:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    model = SentenceTransformer(str(start), device="cpu")
    static = model[0]
    optimizer = torch.optim.Adam(static.parameters(), lr=learning_rate)

    def embed(texts: list[str]) -> torch.Tensor:
        features = static.preprocess(texts)
        return torch.nn.functional.normalize(static(features)["sentence_embedding"], dim=-1)

    order = list(range(len(pairs)))
    rng = random.Random(seed)
    steps_per_epoch = (len(pairs) + batch_size - 1) // batch_size
    losses: list[float] = []
    started = time.perf_counter()
    for epoch in range(epochs):
        rng.shuffle(order)
        for step in range(steps_per_epoch):
            batch = [pairs[i] for i in order[step * batch_size:(step + 1) * batch_size]]
            anchors = embed([p.anchor for p in batch])
            candidates = embed([p.positive for p in batch] + [p.negative for p in batch])
            logits = SCALE * anchors @ candidates.T  # each anchor: its positive among all positives and negatives
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if progress:
                progress(epoch * steps_per_epoch + step + 1, epochs * steps_per_epoch, losses[-1])
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(out_dir))
    tenth = max(1, steps_per_epoch // 10)
    kinds: dict[str, int] = {}
    for pair in pairs:
        kinds[pair.kind] = kinds.get(pair.kind, 0) + 1
    return TrainReport(kinds, epochs, batch_size, learning_rate, len(losses), float(np.mean(losses[:tenth])),
                       float(np.mean(losses[-tenth:])), round(time.perf_counter() - started, 1), str(start),
                       str(out_dir))


def write_model_card(report: TrainReport, metrics: dict[str, float], path: Path) -> None:
    """MODEL_CARD.md beside the model: what it was trained on, how, and how well it did."""
    lines = ["# Static patent encoder trained by `patent-match models train`", "",
             f"- Started from: `{report.start}` (a distilled static model)",
             "- Data: " + ", ".join(f"{n} {k} pairs" for k, n in report.pairs.items()) +
             f"; one hard negative each (character TF-IDF rank {NEGATIVE_RANKS[0]}–{NEGATIVE_RANKS[1]})",
             f"- Loss: in-batch contrastive (InfoNCE, cosine × {SCALE:g}) over positives and hard negatives",
             f"- Steps: {report.steps} ({report.epochs} epochs, batch {report.batch_size}, Adam lr "
             f"{report.learning_rate:g}), {report.seconds:.0f} s",
             f"- Loss: {report.first_loss:.3f} at the start → {report.last_loss:.3f} at the end", ""]
    if metrics:
        lines += ["| measure | value |", "|---|---|"] + [f"| {k} | {v:.3f} |" for k, v in metrics.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (path.parent / "training.json").write_text(json.dumps(asdict(report) | {"metrics": metrics}, ensure_ascii=False,
                                                          indent=1), encoding="utf-8")
