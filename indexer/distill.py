"""Distil a static sentence-transformers model from any encoder over a jieba vocabulary.

Each vocabulary entry (jieba words from a corpus, plus every character seen, so segmentation never
falls back to an unknown token on in-corpus text) is embedded once by the teacher; its vector is
scaled by a smooth inverse frequency weight a / (a + p(word)). A Unigram tokenizer segments text
into the most probable sequence of vocabulary entries, and the model averages the token vectors.
The result is an ordinary sentence-transformers directory
(`StaticEmbedding`), loadable offline by path, and thousands of times faster than the teacher.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.cache import EmbeddingCache
from indexer.embed import embed_documents
from indexer.encoders import Encoder
from indexer.lexical.bm25 import JiebaTokenizer
from indexer.text import normalize

UNK = "[UNK]"
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class DistillReport:
    vocabulary: int
    words: int
    characters: int
    directory: Path


def mine_vocabulary(texts: list[str], size: int, min_count: int = 2) -> tuple[list[str], Counter[str]]:
    tokenizer = JiebaTokenizer.shared()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(tokenizer(normalize(text)))
    words = [w for w, c in counts.most_common() if c >= min_count and len(w) > 1][:size]
    characters = sorted({ch for text in texts for ch in normalize(text).lower() if ch.isalnum()})
    for ch in characters:
        counts[ch] += 0  # characters seen only inside longer words still get an entry
    return list(dict.fromkeys(words + characters)), counts


def distill_static_model(
    teacher: Encoder,
    texts: list[str],
    out_dir: Path,
    size: int = 20_000,
    cache: EmbeddingCache | None = None,
    progress: bool = False,
    sif_a: float = 1e-3,
) -> DistillReport:
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import StaticEmbedding
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    vocabulary, counts = mine_vocabulary(texts, size)
    vectors, _ = embed_documents(teacher, vocabulary, cache, batch_size=64, progress=progress)
    total = sum(counts.values()) or 1
    weights = np.array([sif_a / (sif_a + counts[w] / total) for w in vocabulary], dtype=np.float32)
    table = np.vstack([np.zeros((1, teacher.dim), dtype=np.float32), vectors * weights[:, None]])

    # Unigram segmentation picks the most probable split (as jieba's own DAG search does); a
    # character outside the vocabulary becomes one unknown token instead of spoiling its word.
    log_total = np.log(total + len(vocabulary))
    pieces = [(UNK, float(-log_total - 10))] + [(w, float(np.log(counts[w] + 1) - log_total)) for w in vocabulary]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=0, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    # Split at whitespace and punctuation, and between Han and non-Han runs, then segment each run.
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Punctuation(),
            pre_tokenizers.Split(pattern=_tokenizers_regex(), behavior="isolated"),
        ]
    )
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=table)], device="cpu")
    model.save(str(out_dir))
    n_chars = sum(len(w) == 1 for w in vocabulary)
    return DistillReport(len(vocabulary), len(vocabulary) - n_chars, n_chars, out_dir)


def _tokenizers_regex():  # noqa: ANN202
    from tokenizers import Regex

    return Regex(r"[\u4e00-\u9fff]+|[^\u4e00-\u9fff]+")
