"""The effect tagger against a hand-labelled gold sample of patent sentences.

The gold file (tests/fixtures/effects_gold.tsv) names sentences by patent id and sentence number
(matching.tags.effects.split_sentences over the abstract) and gives their effect codes; the text
is read from the shared patents file, never copied into the gold file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from data.jsonl import read_jsonl
from matching.tags.effects import EffectModel, effect_labels, sentence_effects, split_sentences


@dataclass(frozen=True)
class ClassScore:
    code: str
    label: str
    support: int  # gold sentences with the class
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.support if self.support else None


@dataclass(frozen=True)
class EffectEvaluation:
    sentences: int
    labelled: int  # sentences with at least one effect
    classes: list[ClassScore]

    def micro(self) -> tuple[float, float, float]:
        tp = sum(c.true_positives for c in self.classes)
        predicted = sum(c.predicted for c in self.classes)
        support = sum(c.support for c in self.classes)
        p, r = tp / predicted if predicted else 0.0, tp / support if support else 0.0
        return p, r, 2 * p * r / (p + r) if p + r else 0.0


def read_gold(path: Path, split: str | None = None) -> list[tuple[str, int, set[str]]]:
    """Rows of the gold file, optionally of one split (dev: labelled while the cues were written;
    heldout: labelled after they were frozen, without looking at the tagger's output)."""
    known = effect_labels()
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle, delimiter="\t"), start=2):
            codes = {c for c in (row.get("effects") or "").split("|") if c}
            unknown = codes - set(known)
            if unknown:
                raise ValueError(f"{path}, line {line}, effects: unknown codes {', '.join(sorted(unknown))}")
            if split is None or row.get("split") == split:
                rows.append((row["patent_id"], int(row["sentence"]), codes))
    return rows


def evaluate_effects(gold_path: Path, patents_path: Path, split: str | None = None,
                     model: EffectModel | None = None) -> EffectEvaluation:
    gold = read_gold(gold_path, split)
    wanted = {pid for pid, _, _ in gold}
    texts = {str(r["_id"]): str(r.get("text") or "") for _, r in read_jsonl(patents_path) if r.get("_id") in wanted}
    predicted: list[set[str]] = []
    for pid, number, _ in gold:
        sentences = split_sentences(texts.get(pid, ""))
        if number >= len(sentences):
            raise ValueError(f"{gold_path}: patent {pid} has no sentence {number} in {patents_path}")
        predicted.append(sentence_effects(sentences[number], model))
    classes = []
    for code, label in effect_labels().items():
        support = sum(code in codes for _, _, codes in gold)
        hits = sum(code in p for p in predicted)
        tp = sum(code in p and code in codes for p, (_, _, codes) in zip(predicted, gold, strict=True))
        classes.append(ClassScore(code, label, support, hits, tp))
    return EffectEvaluation(len(gold), sum(bool(codes) for _, _, codes in gold), classes)


def silver_classifier(gold_path: Path, patents_path: Path):  # noqa: ANN201
    """The effect classifier as `patent-match tag` trains it on its own (matching/tags/effect_auto.py:
    saved and loaded back, float16 weights), on the cue labels of every patent except the gold sample's."""
    import tempfile

    from matching.tags.effect_auto import count_sentences, train_and_save

    gold_ids = {pid for pid, _, _ in read_gold(gold_path)}
    texts = [str(r.get("text") or "") for _, r in read_jsonl(patents_path) if r.get("_id") not in gold_ids]
    texts = [t for t in texts if t]  # as the platform's abstracts are read (matching/tags/store.py)
    with tempfile.TemporaryDirectory() as scratch:
        model, _ = train_and_save(texts, Path(scratch) / "effects", patents=len(texts),
                                  database_sentences=count_sentences(texts), trained_by="auto")
    return model
