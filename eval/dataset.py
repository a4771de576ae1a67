"""BEIR-layout judged sets: corpus.jsonl, queries.jsonl and qrels/<split>.tsv."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from data.jsonl import read_jsonl
from indexer.sources import documents_from_beir
from indexer.text import Document


class DatasetError(ValueError):
    """A judged set that cannot be evaluated as it stands; the message names the file and line."""


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    attributes: dict[str, str] = field(default_factory=dict)  # e.g. style, industry, region


@dataclass(frozen=True)
class Dataset:
    name: str
    path: Path
    corpus: list[Document]
    queries: dict[str, Query]
    qrels: dict[str, dict[str, int]]  # qid → doc id → grade


def qrels_file(path: Path, split: str | None) -> Path:
    folder = path / "qrels"
    if split:
        chosen = folder / f"{split}.tsv"
        if not chosen.exists():
            raise DatasetError(f"{chosen} not found")
        return chosen
    files = sorted(folder.glob("*.tsv"))
    if (folder / "test.tsv").exists():
        return folder / "test.tsv"
    if len(files) == 1:
        return files[0]
    raise DatasetError(f"{folder} holds {len(files)} qrels files; choose one with --split")


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if number == 1 and row[:2] == ["query-id", "corpus-id"]:
                continue
            if len(row) < 3:
                raise DatasetError(f"{path}, line {number}: expected query-id, corpus-id, score")
            try:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
            except ValueError:
                raise DatasetError(f"{path}, line {number}: score '{row[2]}' is not an integer") from None
    return qrels


def load_queries(path: Path) -> dict[str, Query]:
    queries: dict[str, Query] = {}
    try:
        records = list(read_jsonl(path))
    except ValueError as exc:
        raise DatasetError(str(exc)) from None
    for number, record in records:
        if "_id" not in record or "text" not in record:
            raise DatasetError(f"{path}, line {number}: a BEIR query needs _id and text")
        qid, text = str(record.pop("_id")), str(record.pop("text"))
        title = str(record.get("title") or "")
        if title and not text.startswith(title):  # a need is its title and its text
            text = f"{title}\n{text}"
        queries[qid] = Query(qid, text, {k: str(v) for k, v in record.items() if isinstance(v, str | int)})
    return queries


def load_dataset(path: Path, split: str | None = None) -> Dataset:
    for required in ("corpus.jsonl", "queries.jsonl"):
        if not (path / required).exists():
            raise DatasetError(f"{path / required} not found; a BEIR folder holds corpus.jsonl, queries.jsonl, qrels/")
    try:
        corpus = documents_from_beir(path / "corpus.jsonl")
    except ValueError as exc:
        raise DatasetError(str(exc)) from None
    return Dataset(path.name, path, corpus, load_queries(path / "queries.jsonl"), load_qrels(qrels_file(path, split)))
