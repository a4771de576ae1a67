"""Where the query adapter costs titles, and a gate on agreeing signals measured against it (docs/matching.md).

`python -m eval.title_loss SET_DIR…` lists each title whose own patent changes rank in the full ranker's top 10
when the shipped adapter is on. For each it gives that rank without and with the adapter, dense alone raw and
adapted, character TF-IDF, and whether raw dense and character TF-IDF agreed on their first patent.

`python -m eval.title_loss --agreement TRAIN_DIR EXCLUDED_QRELS…` measures, on training data only and by the
gate chooser's criterion (eval/adapter_gate.py), a gate that also leaves alone every query on whose first patent
raw dense and character TF-IDF agree. A title usually names its patent in words both signals find, an SME need
less often, so the agreement might separate them better than the cosine gate. It was measured and not kept.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.adapter_cv import adapter_data, fit_on
from eval.adapter_gate import gate_rows, title_queries, unadapted
from eval.crossval import DEFAULT, FeaturePool
from eval.dataset import Dataset, load_dataset, load_qrels
from eval.rankers import FullRanker
from eval.runner import full_rankers
from matching.query_adapter import SHIPPED, QueryAdapter
from matching.retrievers import CharTfidfRetriever, DenseRetriever

ABSENT = 11  # a rank beyond the top 10


@dataclass(frozen=True)
class Settled(QueryAdapter):
    """An adapter that also leaves alone the queries in `settled` (texts on which the signals agreed)."""

    settled: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        import hashlib

        return hashlib.sha256(("\n".join(sorted(self.settled)) + super().id).encode()).hexdigest()[:12]

    @property
    def leaves_some_alone(self) -> bool:
        return super().leaves_some_alone or bool(self.settled)

    def kept(self, count: int, nearest=None, texts=None) -> np.ndarray:  # noqa: ANN001
        if self.settled and texts is None:
            raise ValueError("this adapter leaves alone queries the signals agree on: it needs each query's text")
        kept = super().kept(count, nearest, texts)
        return kept if texts is None else kept | np.array([t in self.settled for t in texts], dtype=bool)


def _rank(doc_ids: list[str], wanted: str) -> int:
    return next((r for r, d in enumerate(doc_ids[:10], start=1) if d == wanted), ABSENT)


def _firsts(ranker: FullRanker, texts: list[str], adapter: QueryAdapter | None = None, k: int = 10) -> list[list[str]]:
    hits = DenseRetriever(ranker.index, ranker.encoder, ranker.cache, adapter=adapter).search_many(texts, k)
    return [[h.doc_id for h in found] for found in hits]


def agreeing(ranker: FullRanker, texts: list[str]) -> list[bool]:
    dense, lexical = _firsts(ranker, texts, k=1), CharTfidfRetriever(ranker.index).search_many(texts, 1)
    return [bool(d and c and d[0] == c[0].doc_id) for d, c in zip(dense, lexical, strict=True)]


@dataclass(frozen=True)
class TitleChange:
    text: str
    full: tuple[int, int]  # the own patent's rank without and with the adapter (ABSENT: beyond the top 10)
    dense: tuple[int, int]
    char_tfidf: int
    agree: bool

    def line(self) -> str:
        return (f"  full {self.full[0]}→{self.full[1]}  dense {self.dense[0]}→{self.dense[1]}  char_tfidf "
                f"{self.char_tfidf}  agree {'yes' if self.agree else 'no'}  {self.text}")


def changed_titles(dataset: Dataset, ranker: FullRanker, adapter: QueryAdapter) -> tuple[list[TitleChange], float]:
    """The titles whose own patent changes rank in the full ranker's top 10, and the share of all on which raw dense
    and character TF-IDF agree."""
    qids = [q for q in dataset.queries if q in dataset.qrels]
    texts = [dataset.queries[q].text for q in qids]
    own = [next(d for d, g in dataset.qrels[q].items() if g > 0) for q in qids]
    plain, adapted = FeaturePool(dataset, ranker.with_adapter(None)), FeaturePool(dataset, ranker.with_adapter(adapter))
    raw, moved = _firsts(ranker, texts), _firsts(ranker, texts, adapter)
    lexical = [[h.doc_id for h in found] for found in CharTfidfRetriever(ranker.index).search_many(texts, 10)]
    agree = [bool(d and c and d[0] == c[0]) for d, c in zip(raw, lexical, strict=True)]
    changes = []
    for i, q in enumerate(qids):
        full = _rank(plain.ranking(q, DEFAULT), own[i]), _rank(adapted.ranking(q, DEFAULT), own[i])
        if full[0] != full[1]:
            changes.append(TitleChange(texts[i], full, (_rank(raw[i], own[i]), _rank(moved[i], own[i])),
                                       _rank(lexical[i], own[i]), agree[i]))
    return sorted(changes, key=lambda c: (c.full, c.dense)), float(np.mean(agree)) if agree else 0.0


def agreement_rows(train: Dataset, ranker: FullRanker, excluded: set[str], folds: int = 5) -> list[str]:
    """The criterion of each gate without and with the agreement rule, as `models adapt --choose-gate` measures it."""
    data = adapter_data(train, ranker, excluded, anchors=0, checked=0)
    titles = title_queries(train, excluded)
    need_texts, title_texts = [train.queries[q].text for q in data.qids], [q.text for q in titles.queries.values()]
    settled = frozenset(t for t, a in zip(need_texts + title_texts, agreeing(ranker, need_texts + title_texts),
                                          strict=True) if a)
    shares = [np.mean([t in settled for t in texts]) for texts in (need_texts, title_texts)]
    lines = [f"raw dense and character TF-IDF agree on the first patent: needs {shares[0]:.3f}, titles {shares[1]:.3f}"]
    on_all, base = fit_on(data, data.qids, ranker.encoder.id, "all"), unadapted(train, ranker, titles)
    for rule in (frozenset(), settled):
        def settle(adapter: QueryAdapter) -> Settled:
            return Settled(**{**vars(adapter), "settled": rule})  # noqa: B023

        for row in gate_rows(train, ranker, data, titles, settle(on_all), folds, gates=(None, 0.93, 0.92, 0.91),
                             leave_titles=(False,), scales=(1.0,), base=base, around=settle):
            lines.append(f"  gate {row.label}{' + agreement' if rule else ''}: needs {row.needs_full:.3f} / "
                         f"{row.needs_dense:.3f}, titles {row.titles_full:.3f} / {row.titles_dense:.3f}, criterion "
                         f"{row.criterion:.4f}")
    return lines


def main() -> None:
    arguments = sys.argv[1:]
    with full_rankers() as full_ranker:
        if arguments[:1] == ["--agreement"]:
            train = load_dataset(Path(arguments[1]))
            excluded = {d for path in arguments[2:] for docs in load_qrels(Path(path)).values() for d in docs}
            print("\n".join(agreement_rows(train, full_ranker(train), excluded)), flush=True)
            return
        adapter = QueryAdapter.load(SHIPPED)
        for directory in arguments:
            dataset = load_dataset(Path(directory))
            changes, agree = changed_titles(dataset, full_ranker(dataset), adapter)
            down = sum(c.full[1] > c.full[0] for c in changes)
            print(f"{dataset.name}: {len(changes)} titles change rank in the full ranker ({ABSENT}: beyond the top "
                  f"10), {down} down; raw dense and character TF-IDF agree on the first patent for {agree:.1%} of all",
                  flush=True)
            print("\n".join(c.line() for c in changes), flush=True)


if __name__ == "__main__":
    main()
