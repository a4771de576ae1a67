"""A deterministic keyword encoder for fast tests: hashed character 1–2-grams, no model."""

from __future__ import annotations

import zlib

import numpy as np

from indexer.encoders import l2_normalize


class KeywordEncoder:
    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.id = f"keyword-crc32-{dim}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
            for gram in grams:
                if not gram.isspace():
                    out[row, zlib.crc32(gram.encode("utf-8")) % self.dim] += 1.0
        return l2_normalize(out)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)
