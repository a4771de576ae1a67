"""Embedding many texts: cache first, long texts windowed, the rest encoded in batches."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder, l2_normalize
from indexer.text import text_digest, windows

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbedStats:
    texts: int
    cached: int
    encoded: int
    windowed: int  # texts longer than one window


def embed_documents(
    encoder: Encoder,
    texts: list[str],
    cache: EmbeddingCache | None = None,
    batch_size: int = 16,
    progress: bool = False,
) -> tuple[np.ndarray, EmbedStats]:
    """Vectors for `texts` in order. A text longer than one window gets the normalised mean of its
    window vectors; windows are cached like any other text."""
    pieces = [windows(t) for t in texts]
    unique = list(dict.fromkeys(p for ps in pieces for p in ps))
    digests = {p: text_digest(p) for p in unique}
    known = cache.get_many(encoder.id, "document", digests.values()) if cache else {}
    missing = [p for p in unique if digests[p] not in known]
    if missing:
        with tqdm(
            total=len(missing), unit="doc", desc=f"embedding ({encoder.id})", disable=not progress, smoothing=0.1
        ) as bar:
            for start in range(0, len(missing), batch_size):
                batch = missing[start : start + batch_size]
                vectors = encoder.encode_documents(batch)
                fresh = [(digests[p], v) for p, v in zip(batch, vectors, strict=True)]
                if cache:
                    cache.put_many(encoder.id, "document", fresh)  # committed batch by batch: a crash
                known.update(fresh)  # loses at most one batch of work
                bar.update(len(batch))
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for row, ps in enumerate(pieces):
        out[row] = np.mean([known[digests[p]] for p in ps], axis=0)
    stats = EmbedStats(len(texts), len(unique) - len(missing), len(missing), sum(len(ps) > 1 for ps in pieces))
    logger.info("embedded %d texts: %d cached, %d encoded, %d windowed", *vars(stats).values())
    return l2_normalize(out), stats


def embed_queries(encoder: Encoder, texts: list[str], cache: EmbeddingCache | None = None) -> np.ndarray:
    """Queries are short and encoded on the hot path; the cache still spares repeated ones. An encoder whose
    queries come from another model than its documents (indexer/encoders/mapped.py) names its own role."""
    role = getattr(encoder, "query_role", "query")
    digests = [text_digest(t) for t in texts]
    known = cache.get_many(encoder.id, role, digests) if cache else {}
    missing = [(t, d) for t, d in zip(texts, digests, strict=True) if d not in known]
    if missing:
        vectors = encoder.encode_queries([t for t, _ in missing])
        fresh = [(d, v) for (_, d), v in zip(missing, vectors, strict=True)]
        if cache:
            cache.put_many(encoder.id, role, fresh)
        known.update(fresh)
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.stack([known[d] for d in digests]).astype(np.float32)
