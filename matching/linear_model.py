"""Saving and loading a linear model over character n-gram TF-IDF: JSON and NumPy arrays, never pickle.

Used by the IPC classifier and the effect classifier: the vectorizer's vocabulary and idf, the
weights (stored as float16), the intercepts, and the model's own parameters in `<name>.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


def save_linear(directory: Path, name: str, vectorizer: TfidfVectorizer, coef: np.ndarray, intercept: np.ndarray,
                params: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    meta = {**params, "ngram_range": list(vectorizer.ngram_range),
            "vocabulary": {term: int(i) for term, i in vectorizer.vocabulary_.items()}}
    (directory / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    np.save(directory / "idf.npy", vectorizer.idf_.astype(np.float32), allow_pickle=False)
    np.save(directory / "coef.npy", coef.astype(np.float16), allow_pickle=False)
    np.save(directory / "intercept.npy", intercept, allow_pickle=False)


def load_linear(directory: Path, name: str,
                default_ngrams: tuple[int, int]) -> tuple[TfidfVectorizer, np.ndarray, np.ndarray, dict[str, Any]]:
    """The vectorizer, weights (float32), intercepts and the model's parameters."""
    params = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    ngrams = tuple(params.get("ngram_range", default_ngrams))
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True,
                                 vocabulary=params["vocabulary"], dtype=np.float32)
    vectorizer.idf_ = np.load(directory / "idf.npy", allow_pickle=False)
    coef = np.load(directory / "coef.npy", allow_pickle=False).astype(np.float32)
    return vectorizer, coef, np.load(directory / "intercept.npy", allow_pickle=False), params
