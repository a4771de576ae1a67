"""A static embedding model (what `patent-match models distill` writes) encoded with numpy alone.

Such a model is a tokenizer and one embedding table: a text's vector is the mean of its tokens' rows.
Through sentence-transformers it also loads torch, which cost a serving process 356 MB of private
memory at the 1M-patent benchmark. Vectors and the encoder id equal sentence-transformers' own (the
tests compare them), so indexes and caches built either way stay valid.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from indexer.encoders import l2_normalize

STATIC_MODULE = "StaticEmbedding"
SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16}


def is_static_model(path: Path) -> bool:
    """A local sentence-transformers directory holding one StaticEmbedding module and nothing else."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return len(modules) == 1 and modules[0].get("type", "").endswith(f".{STATIC_MODULE}")


def read_safetensors(path: Path, name: str) -> np.ndarray:
    """One tensor of a .safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    with path.open("rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        entry = json.loads(handle.read(length))[name]
        start, end = entry["data_offsets"]
        handle.seek(8 + length + start)
        raw = handle.read(end - start)
    return np.frombuffer(raw, dtype=SAFETENSORS_DTYPES[entry["dtype"]]).reshape(entry["shape"]).astype(np.float32)


class StaticEncoder:
    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer  # installed with the `st` extra, which `models distill` needs anyway

        from indexer.encoders.sentence_transformers import model_identity

        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.table = read_safetensors(path / "model.safetensors", "embedding.weight")
        self.dim = self.table.shape[1]
        config = path / "config_sentence_transformers.json"
        prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {} if config.exists() else {}
        self.id, self.query_prompt, self.document_prompt = model_identity(str(path), prompts)

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch([prompt + t for t in texts],
                                                                   add_special_tokens=False)):
            if encoding.ids:  # a text with no known token stays zero, as in torch's EmbeddingBag
                out[row] = self.table[encoding.ids].mean(axis=0)
        return l2_normalize(out)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.document_prompt)
