"""Any sentence-transformers model, by local path or name (loaded offline from the local cache).

Query and document prompts follow each model family's convention: E5 models want "query: " /
"passage: ", BGE Chinese models an instruction before queries only. A model directory that carries
its own prompts (config_sentence_transformers.json) keeps them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from indexer.encoders import l2_normalize

KNOWN_PROMPTS: dict[str, tuple[str, str]] = {
    "e5": ("query: ", "passage: "),
    "bge-small-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-base-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-large-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
}


def _prompts_for(name: str) -> tuple[str, str]:
    lowered = name.lower()
    for key, prompts in KNOWN_PROMPTS.items():
        if key in lowered:
            return prompts
    return "", ""


def _fingerprint(model_dir: Path) -> str:
    """Changes when the model's files change, so cached vectors of an old model are never reused."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(model_dir)).encode())
        digest.update(path.read_bytes() if path.stat().st_size < 50_000_000 else str(path.stat()).encode())
    return digest.hexdigest()[:12]


def model_identity(name_or_path: str, prompts: dict[str, str]) -> tuple[str, str, str]:
    """(encoder id, query prompt, document prompt): the model's own prompts, else its family's."""
    local = Path(name_or_path)
    default_query, default_document = _prompts_for(name_or_path)
    query = prompts.get("query", default_query)
    document = prompts.get("document", prompts.get("passage", default_document))
    source = _fingerprint(local) if local.exists() else name_or_path
    prompt_hash = hashlib.sha256(f"{query}|{document}".encode()).hexdigest()[:6]
    return f"st:{local.name if local.exists() else name_or_path}:{source}:{prompt_hash}", query, document


class SentenceTransformerEncoder:
    def __init__(self, name_or_path: str, device: str = "cpu") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # the optional extra
            raise RuntimeError(
                "sentence-transformers is not installed; install it with "
                "pip install 'torch==2.13.0' 'patent-match[st]' (pin torch to avoid CUDA downloads)"
            ) from exc
        local = Path(name_or_path)
        self._model = SentenceTransformer(name_or_path, device=device, local_files_only=not local.exists())
        dimension = (
            getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dimension())
        self.id, self.query_prompt, self.document_prompt = model_identity(name_or_path, self._model.prompts or {})

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [prompt + t for t in texts], batch_size=32, convert_to_numpy=True, show_progress_bar=False
        )
        return l2_normalize(vectors)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.document_prompt)
