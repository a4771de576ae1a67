"""Learned topics as technical sub-fields of a landscape (专利导航 issue 21, item 5).

NMF over TF-IDF of jieba terms of title + abstract: short patent abstracts give sparse documents, where NMF's
topics read more cleanly than LDA's. A fitted model is a directory (manifest.json with the vocabulary, names,
top terms and coherence; components.npy with the topic × term weights), by default `home`/models/topics.

Coherence is NPMI of each topic's top terms over document co-occurrence in the fitting corpus, set beside the
same measure for random term sets drawn with the corpus's document frequencies, so the number means something:
a topic is coherent when its terms co-occur far more than frequent terms do by chance.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from indexer.lexical.bm25 import JiebaTokenizer
from indexer.text import normalize

FORMAT = 1
TOP_TERMS = 10  # terms shown per topic and scored for coherence
NAME_TERMS = 3  # terms joined into a topic's generated name
RANDOM_SETS = 300  # random term sets of the coherence baseline
_TERM = re.compile(r"^(?:[\u4e00-\u9fff]{2,}|[a-z][a-z0-9\-]{1,})$")
# Patent boilerplate that is frequent in every field and names none (max_df removes the rest).
STOP_TERMS = frozenset("""本发明 本实用新型 实用新型 发明 公开 涉及 提供 一种 所述 包括 方法 装置 系统 设备 用于
设置 设有 实现 技术 领域 具有 能够 可以 通过 进行 采用 以及 其中 之间 上述 相应 对应
至少 多个 一个 两个 第一 第二 第三 连接 固定 位于 安装 结构 组成 利用 使得 使用 得到
提高 降低 有效 解决 问题 简单 方便 现有 根据 获取 步骤 然后 再将 之后 同时 以便 从而
并且 以上 以下 一端 另一端 一侧 另一侧 内部 外部 表面 分别 相互 依次 设于 所示 示意图
优选 实施 实施例 效果 特点 优点 本申请 本公开 该方法 该系统 该装置 能够实现 本技术 及其 基于 应用 用途""".split())


class TopicModelError(ValueError):
    """A topic model that cannot be fitted or read; the message is Chinese and names the file or the input."""


def terms(text: str, tokenizer: JiebaTokenizer | None = None) -> list[str]:
    """The content terms of a text: jieba words of two or more Han characters (or a Latin word), boilerplate
    removed."""
    tokenizer = tokenizer or JiebaTokenizer.shared()
    return [t for t in tokenizer(normalize(text)) if _TERM.match(t) and t not in STOP_TERMS]


@dataclass(frozen=True)
class Coherence:
    """Mean NPMI of the topics' top terms against random term sets of the same size (document-frequency
    weighted draws from the vocabulary)."""

    topics: tuple[float, ...]  # per topic
    baseline_mean: float
    baseline_sd: float

    @property
    def mean(self) -> float:
        return float(np.mean(self.topics)) if self.topics else 0.0


@dataclass(frozen=True)
class Topic:
    code: str  # T01
    name: str  # generated from the most distinctive top terms: 电池、电极、锂
    terms: tuple[str, ...]  # top terms by weight
    coherence: float  # NPMI of the top terms
    documents: int  # fitting documents assigned to it


@dataclass(frozen=True)
class TopicModel:
    vocabulary: tuple[str, ...]
    idf: np.ndarray  # per term
    components: np.ndarray  # topics × terms, non-negative
    topics: tuple[Topic, ...]
    coherence: Coherence
    documents: int
    fitted_at: str

    @property
    def version(self) -> str:
        """Identifies the fit, stored with each patent's topic tag."""
        return f"topics:{self.fitted_at}"

    def matrix(self, term_lists: Iterable[list[str]]) -> sparse.csr_matrix:
        """Documents' TF-IDF rows over the model's vocabulary (sublinear tf, l2-normalised)."""
        return _tfidf(term_lists, {t: i for i, t in enumerate(self.vocabulary)}, self.idf)

    def assign(self, term_lists: Sequence[list[str]]) -> list[tuple[int, float] | None]:
        """Each document's topic index and its share of the document's topic weights; None when the document
        holds no vocabulary term."""
        from sklearn.decomposition import non_negative_factorization

        rows = self.matrix(term_lists)
        if rows.shape[0] == 0:
            return []
        weights, _, _ = non_negative_factorization(rows, H=self.components.astype(np.float64),
                                                   n_components=len(self.topics),
                                                   init="custom", update_H=False, max_iter=400)
        found: list[tuple[int, float] | None] = []
        for row in weights:
            total = float(row.sum())
            found.append((int(row.argmax()), float(row.max()) / total) if total > 0 else None)
        return found


def _tfidf(term_lists: Iterable[list[str]], index: dict[str, int], idf: np.ndarray) -> sparse.csr_matrix:
    data, indices, indptr = [], [], [0]
    for words in term_lists:
        counts: dict[int, int] = {}
        for w in words:
            j = index.get(w)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        values = np.array([(1 + math.log(c)) * idf[j] for j, c in counts.items()], dtype=np.float64)
        norm = float(np.linalg.norm(values)) if len(values) else 0.0
        indices.extend(counts)
        data.extend((values / norm).tolist() if norm else values.tolist())
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(index)))


def _vocabulary(term_lists: Sequence[list[str]], min_df: int, max_df: float) -> tuple[list[str], np.ndarray]:
    df: dict[str, int] = {}
    for words in term_lists:
        for w in set(words):
            df[w] = df.get(w, 0) + 1
    limit = max_df * len(term_lists)
    kept = sorted(w for w, n in df.items() if min_df <= n <= limit)
    return kept, np.array([df[w] for w in kept], dtype=np.float64)


def npmi(term_sets: Sequence[Sequence[int]], occurrence: sparse.csc_matrix) -> list[float]:
    """Mean pairwise NPMI of each set of term columns over binary document occurrence (a pair never seen
    together scores −1)."""
    n = occurrence.shape[0]
    scores = []
    for columns in term_sets:
        block = occurrence[:, list(columns)]
        together = (block.T @ block).toarray()
        single = np.diag(together).astype(np.float64) / n
        values = []
        for a in range(len(columns)):
            for b in range(a + 1, len(columns)):
                joint = together[a, b] / n
                if joint <= 0:
                    values.append(-1.0)
                elif joint >= 1:
                    values.append(1.0)
                else:
                    values.append(math.log(joint / (single[a] * single[b])) / -math.log(joint))
        scores.append(float(np.mean(values)) if values else 0.0)
    return scores


def _names(components: np.ndarray, vocabulary: Sequence[str]) -> list[str]:
    """Each topic's name: its most distinctive top terms (weight × the share of the term's weight this topic
    holds), so a term every topic leans on does not name them all."""
    share = components / np.maximum(components.sum(axis=0, keepdims=True), 1e-12)
    names = []
    for k in range(components.shape[0]):
        top = np.argsort(-components[k])[:TOP_TERMS]  # names come from the terms shown
        best = sorted(top, key=lambda j: -components[k, j] * share[k, j])
        chosen: list[str] = []
        for j in best:
            term = vocabulary[j]
            if not any(term in c or c in term for c in chosen):  # 电池 and 锂电池 name one thing
                chosen.append(term)
            if len(chosen) == NAME_TERMS:
                break
        names.append("、".join(chosen))
    return names


def fit(texts: Sequence[str], topics: int = 20, seed: int = 0, min_df: int = 3, max_df: float = 0.3,
        tokenizer: JiebaTokenizer | None = None) -> tuple[TopicModel, list[tuple[int, float] | None]]:
    """Fit `topics` topics on the texts (title + abstract each); returns the model and each text's topic."""
    from sklearn.decomposition import NMF

    term_lists = [terms(t, tokenizer) for t in texts]
    vocabulary, df = _vocabulary(term_lists, min_df, max_df)
    if len(vocabulary) < topics * 2 or len(texts) < topics * 2:
        raise TopicModelError(f"语料太小，无法拟合 {topics} 个主题：{len(texts)} 篇文档、{len(vocabulary)} 个词项"
                              f"（每个词项至少出现在 {min_df} 篇文档中）")
    idf = np.log((1 + len(texts)) / (1 + df)) + 1
    index = {t: i for i, t in enumerate(vocabulary)}
    rows = _tfidf(term_lists, index, idf)
    nmf = NMF(n_components=topics, init="nndsvda", random_state=seed, max_iter=500)
    weights = nmf.fit_transform(rows)
    components = nmf.components_
    occurrence = (rows > 0).astype(np.float64).tocsc()
    tops = [list(np.argsort(-components[k])[:TOP_TERMS]) for k in range(topics)]
    scores = npmi(tops, occurrence)
    rng = np.random.default_rng(seed)
    draws = [list(rng.choice(len(vocabulary), TOP_TERMS, replace=False, p=df / df.sum())) for _ in range(RANDOM_SETS)]
    baseline = npmi(draws, occurrence)
    assigned: list[tuple[int, float] | None] = []
    for row in weights:
        total = float(row.sum())
        assigned.append((int(row.argmax()), float(row.max()) / total) if total > 0 else None)
    sizes = [sum(1 for a in assigned if a and a[0] == k) for k in range(topics)]
    names = _names(components, vocabulary)
    found = tuple(Topic(f"T{k + 1:02d}", names[k], tuple(vocabulary[j] for j in tops[k]), round(scores[k], 4),
                        sizes[k]) for k in range(topics))
    coherence = Coherence(tuple(t.coherence for t in found), round(float(np.mean(baseline)), 4),
                          round(float(np.std(baseline)), 4))
    model = TopicModel(tuple(vocabulary), idf, components.astype(np.float32), found, coherence, len(texts),
                       dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    return model, assigned


def save(model: TopicModel, directory: Path) -> None:
    """Write the model; the manifest goes last, so a half-written directory is never read as a model."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").unlink(missing_ok=True)
    np.save(directory / "components.npy", model.components)
    np.save(directory / "idf.npy", model.idf)
    manifest = {"format": FORMAT, "fitted_at": model.fitted_at, "documents": model.documents,
                "vocabulary": list(model.vocabulary),
                "coherence": {"measure": "NPMI", "mean": round(model.coherence.mean, 4),
                              "random_mean": model.coherence.baseline_mean, "random_sd": model.coherence.baseline_sd},
                "topics": [{"code": t.code, "name": t.name, "terms": list(t.terms), "npmi": t.coherence,
                            "documents": t.documents} for t in model.topics]}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def load(directory: Path) -> TopicModel:
    path = directory / "manifest.json"
    if not path.is_file():
        raise TopicModelError(f"{directory}：没有已拟合的主题模型（先运行 patent-match navigate topics fit）")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise TopicModelError(f"{path}：字段 format 为 {manifest.get('format')}，本版本只读 {FORMAT}；请重新拟合")
        components = np.load(directory / "components.npy")
        idf = np.load(directory / "idf.npy")
        vocabulary = tuple(manifest["vocabulary"])
        topics = tuple(Topic(t["code"], t["name"], tuple(t["terms"]), t["npmi"], t["documents"])
                       for t in manifest["topics"])
        coherence = manifest["coherence"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, TopicModelError):
            raise
        raise TopicModelError(f"{directory}：主题模型文件损坏（{exc}）；请重新拟合") from None
    if components.shape != (len(topics), len(vocabulary)) or idf.shape != (len(vocabulary),):
        raise TopicModelError(f"{directory}：components.npy / idf.npy 与 manifest.json 的主题数或词表大小不一致")
    return TopicModel(vocabulary, idf, components, topics,
                      Coherence(tuple(t.coherence for t in topics), coherence["random_mean"], coherence["random_sd"]),
                      manifest["documents"], manifest["fitted_at"])
