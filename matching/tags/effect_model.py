"""A classifier for the effects the cue patterns miss, trained on the cues' own labels (silver data).

Patterns are precise but narrow (docs/tagging.md: held-out recall about one half). A one-vs-rest
logistic regression on character 1–3-grams, trained on the cue labels of many sentences, learns
the contexts those effects appear in and finds some the cues miss. It only adds effects (a union
with the cues, at probability ≥ threshold), tagged `inferred` with the probability as confidence.
Saved as JSON and NumPy arrays, never pickle. `patent-match tag` trains it on its own once the
patents hold MIN_SENTENCES sentences (matching/tags/effect_auto.py); `tag train-effects` by hand.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.linear_model import load_linear, save_linear
from matching.tags.effects import effect_classes, mask_names, sentence_effects, split_sentences

MIN_SENTENCES = 2_000  # fewer sentences teach it nothing the cues do not already know


class EffectClassifier:
    def __init__(self, vectorizer: TfidfVectorizer, coef: np.ndarray, intercept: np.ndarray, classes: list[str],
                 threshold: float = 0.5) -> None:
        self.vectorizer, self.coef, self.intercept, self.classes = vectorizer, coef, intercept, classes
        self.threshold = threshold

    @property
    def version(self) -> str:
        """A fingerprint of the weights: tags made with this model carry it (Tagger.stamp)."""
        digest = hashlib.sha256(np.ascontiguousarray(self.coef, dtype=np.float32).tobytes())
        digest.update(np.ascontiguousarray(self.intercept, dtype=np.float32).tobytes())
        digest.update("|".join([*self.classes, str(self.threshold)]).encode("utf-8"))
        return digest.hexdigest()[:16]

    @classmethod
    def train(cls, texts: list[str], c: float = 4.0, max_iter: int = 2000) -> EffectClassifier:
        from sklearn.linear_model import LogisticRegression

        sentences = [s for t in texts for s in split_sentences(t)]
        if len(sentences) < MIN_SENTENCES:
            raise ValueError(f"训练文本共 {len(sentences)} 句，训练技术功效分类器至少需要 {MIN_SENTENCES} 句"
                             "；仅用线索规则标引")
        labels = [sentence_effects(s) for s in sentences]
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=3,
                                     max_features=200_000, dtype=np.float32)
        x = vectorizer.fit_transform([mask_names(s) for s in sentences])
        classes, coefs, intercepts = [], [], []
        for effect in effect_classes():
            y = np.array([effect.code in found for found in labels])
            if y.sum() < 5:  # too few silver examples to learn this class
                continue
            model = LogisticRegression(C=c, max_iter=max_iter, class_weight="balanced").fit(x, y)
            classes.append(effect.code)
            coefs.append(model.coef_[0])
            intercepts.append(model.intercept_[0])
        return cls(vectorizer, np.array(coefs, dtype=np.float32), np.array(intercepts, dtype=np.float32), classes)

    def probabilities(self, sentences: list[str]) -> np.ndarray:
        x = sparse.csr_matrix(self.vectorizer.transform([mask_names(s) for s in sentences]))
        return 1 / (1 + np.exp(-(np.asarray(x @ self.coef.T) + self.intercept)))

    def predict_many(self, sentences: list[str]) -> list[dict[str, float]]:
        """Per sentence, the effects at probability ≥ threshold."""
        return [{code: float(p) for code, p in zip(self.classes, row, strict=True) if p >= self.threshold}
                for row in self.probabilities(sentences)]

    def predict(self, sentence: str) -> dict[str, float]:
        return self.predict_many([sentence])[0]

    def save(self, directory: Path) -> None:
        save_linear(directory, "effect_model", self.vectorizer, self.coef, self.intercept,
                    {"classes": self.classes, "threshold": self.threshold})

    @classmethod
    def load(cls, directory: Path) -> EffectClassifier:
        vectorizer, coef, intercept, params = load_linear(directory, "effect_model", (1, 3))
        return cls(vectorizer, coef, intercept, params["classes"], params["threshold"])
