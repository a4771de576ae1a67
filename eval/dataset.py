"""BEIR-layout judged sets: corpus.jsonl, queries.jsonl and qrels/<split>.tsv."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from data.jsonl import read_jsonl
from indexer.sources import documents_from_beir
from indexer.text import Document

SHARED_DATA_ENV = "PATENT_MATCH_SHARED_DATA"  # the shared data's folder, when not ../shared/data beside the checkout


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


def corpus_file(path: Path) -> Path:
    """The set's corpus.jsonl, or the one its corpus.json points to: a set the team wrote over a corpus
    it may not redistribute (eval/sets/needs-train over ../shared/data) names the file and its size."""
    if (path / "corpus.jsonl").exists() or not (path / "corpus.json").exists():
        return path / "corpus.jsonl"
    pointer = json.loads((path / "corpus.json").read_text(encoding="utf-8"))
    shared = os.environ.get(SHARED_DATA_ENV)  # where tests and CI may put the shared data instead
    target = Path(shared) / pointer["shared"] if shared else (path / pointer["path"]).resolve()
    if not target.exists():
        raise DatasetError(f"{path / 'corpus.json'}: its corpus {target} is absent; this set is judged over the shared "
                           f"data, which is not redistributed: put ../shared/data beside the checkout")
    return target


def load_dataset(path: Path, split: str | None = None, require_qrels: bool = True) -> Dataset:
    corpus_path = corpus_file(path)
    for required in (corpus_path, path / "queries.jsonl"):
        if not required.exists():
            raise DatasetError(f"{required} not found; a BEIR folder holds corpus.jsonl, queries.jsonl, qrels/")
    try:
        corpus = documents_from_beir(corpus_path)
    except ValueError as exc:
        raise DatasetError(str(exc)) from None
    expected = _expected_size(path)
    if expected is not None and len(corpus) != expected:
        raise DatasetError(f"{corpus_path} holds {len(corpus)} documents; {path / 'corpus.json'} expects {expected}")
    qrels = load_qrels(qrels_file(path, split)) if require_qrels or any((path / "qrels").glob("*.tsv")) else {}
    return Dataset(path.name, path, corpus, load_queries(path / "queries.jsonl"), qrels)


def _expected_size(path: Path) -> int | None:
    if (path / "corpus.jsonl").exists() or not (path / "corpus.json").exists():
        return None
    return int(json.loads((path / "corpus.json").read_text(encoding="utf-8"))["documents"])
