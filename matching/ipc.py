"""IPC subclass inference from text: character n-gram TF-IDF and a one-vs-rest linear model.

Needs carry no IPC codes and many imported patents lack them. A title with several subclasses
is one training example per subclass. Scores become a ranked distribution through a softmax over
the decision values (a normalisation for ranking, not a calibrated probability). Saved as JSON and
NumPy arrays (float16 weights), never pickle; retrain with `patent-match ipc train`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from data.ipc_scheme import subclass_titles
from indexer.text import normalize
from matching.linear_model import load_linear, save_linear


@dataclass(frozen=True)
class IpcGuess:
    subclass: str
    score: float  # share of the softmax over all subclasses
    title: str


class IpcClassifier:
    def __init__(self, vectorizer: TfidfVectorizer, coef: np.ndarray, intercept: np.ndarray, classes: list[str],
                 temperature: float = 0.1) -> None:
        self.vectorizer, self.coef, self.intercept, self.classes = vectorizer, coef, intercept, classes
        self.temperature = temperature

    @classmethod
    def train(cls, texts: list[str], labels: list[list[str]], ngram_range: tuple[int, int] = (1, 3),
              max_features: int = 60_000, c: float = 0.5) -> IpcClassifier:
        pairs = [(normalize(t), label) for t, ls in zip(texts, labels, strict=True) for label in dict.fromkeys(ls)]
        if len({label for _, label in pairs}) < 2:
            raise ValueError("IPC training needs patents of at least two subclasses")
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, sublinear_tf=True, min_df=2,
                                     max_features=max_features, dtype=np.float32)
        x = vectorizer.fit_transform([t for t, _ in pairs])
        model = LinearSVC(C=c).fit(x, [label for _, label in pairs])
        return cls(vectorizer, model.coef_.astype(np.float32), model.intercept_.astype(np.float32),
                   [str(c) for c in model.classes_])

    def scores(self, texts: list[str]) -> np.ndarray:
        x = self.vectorizer.transform([normalize(t) for t in texts])
        return np.asarray(sparse.csr_matrix(x) @ self.coef.T) + self.intercept

    def predict(self, texts: list[str], k: int = 5) -> list[list[IpcGuess]]:
        titles = subclass_titles()
        raw = self.scores(texts)
        shifted = (raw - raw.max(axis=1, keepdims=True)) / self.temperature
        probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        top = np.argsort(-raw, axis=1)[:, :k]
        return [[IpcGuess(self.classes[j], float(probabilities[i, j]), titles.get(self.classes[j], ""))
                 for j in row] for i, row in enumerate(top)]

    def save(self, directory: Path) -> None:
        save_linear(directory, "ipc_model", self.vectorizer, self.coef, self.intercept,
                    {"classes": self.classes, "temperature": self.temperature})

    @classmethod
    def load(cls, directory: Path) -> IpcClassifier:
        vectorizer, coef, intercept, params = load_linear(directory, "ipc_model", (1, 3))
        return cls(vectorizer, coef, intercept, params["classes"], params["temperature"])


@dataclass(frozen=True)
class IpcEvaluation:
    train: int
    test: int
    top1: float
    top5: float
    macro_f1: float  # over subclasses with at least `min_support` test examples, top-1 predictions
    f1_classes: int


def evaluate_ipc(model: IpcClassifier, texts: list[str], labels: list[list[str]],
                 min_support: int = 10) -> IpcEvaluation:
    guesses = model.predict(texts, k=5)
    top1 = [g[0].subclass for g in guesses]
    hit1 = np.mean([p in ls for p, ls in zip(top1, labels, strict=True)])
    hit5 = np.mean([any(g.subclass in ls for g in gs) for gs, ls in zip(guesses, labels, strict=True)])
    binarizer = MultiLabelBinarizer(classes=sorted({label for ls in labels for label in ls} | set(top1)))
    truth, predicted = binarizer.fit_transform(labels), binarizer.transform([[p] for p in top1])
    supported = [i for i, n in enumerate(truth.sum(axis=0)) if n >= min_support]
    macro = f1_score(truth, predicted, labels=supported, average="macro", zero_division=0) if supported else 0.0
    return IpcEvaluation(0, len(texts), float(hit1), float(hit5), float(macro), len(supported))
