"""Where the query adapter costs titles (eval/title_loss.py): the listing and the agreement gate it measured."""

from __future__ import annotations

import numpy as np

from eval.dataset import load_dataset
from eval.runner import full_rankers
from matching.query_adapter import QueryAdapter
from tests.eval_support import write_set


def _bridged_set(tmp_path, corpus):  # noqa: ANN001, ANN202
    """Twenty patents, each with a twin that adds an unrelated patent's abstract. The training needs are the titles,
    judged to be solved by the twin, so an adapter fitted on them moves titles off their own patent (dense alone);
    the title set looks for each title's own patent."""
    abstracts = [d.text.split(" ", 1)[1] for d in corpus]
    titles = [d.text.split(" ", 1)[0] for d in corpus]
    originals = [{"_id": f"A{i}", "title": titles[i], "text": abstracts[i]} for i in range(20)]
    twins = [{"_id": f"B{i}", "title": "", "text": f"{abstracts[i]} {abstracts[20 + i]}"} for i in range(20)]
    needs = [{"_id": f"N{i}", "text": titles[i]} for i in range(20)]
    documents = originals + twins
    return (load_dataset(write_set(tmp_path / "train", needs, {f"N{i}": {f"B{i}": 2} for i in range(20)}, documents)),
            load_dataset(write_set(tmp_path / "titles", [{"_id": f"T{i}", "text": titles[i]} for i in range(20)],
                                   {f"T{i}": {f"A{i}": 1} for i in range(20)}, documents)))


def test_the_listing_gives_each_changed_title_its_ranks_with_and_without_the_adapter(tmp_path, corpus, monkeypatch):
    import eval.title_loss
    from eval.crossval import FeaturePool
    from eval.title_loss import ABSENT, changed_titles

    train, titles = _bridged_set(tmp_path, corpus)
    demoted = {"T3": 2, "T7": ABSENT}  # under the adapter, in this test's ranking

    class Ranked(FeaturePool):  # the full ranker's order, except that the adapter demotes two titles' own patent
        def __init__(self, dataset, ranker) -> None:  # noqa: ANN001
            super().__init__(dataset, ranker)
            self.adapted = ranker.adapter is not None

        def ranking(self, qid, setting, k=10):  # noqa: ANN001, ANN202
            order = [d for d in super().ranking(qid, setting, 40) if d != f"A{qid[1:]}"]
            rank = demoted.get(qid, 1) if self.adapted else 1
            return (order[:rank - 1] + [f"A{qid[1:]}"] + order[rank - 1:])[:k]

    monkeypatch.setattr(eval.title_loss, "FeaturePool", Ranked)
    with full_rankers() as full_ranker:
        adapter = QueryAdapter(np.zeros((256, 2), np.float32), np.zeros((2, 256), np.float32), "keyword", "test")
        changes, agree = changed_titles(titles, full_ranker(titles), adapter)
    assert [(c.text, c.full) for c in changes] == [(titles.queries["T3"].text, (1, 2)),
                                                   (titles.queries["T7"].text, (1, ABSENT))]
    assert all(c.dense == (c.dense[0], c.dense[0]) for c in changes)  # a zero map moves no vector
    assert changes[0].line().startswith(f"  full 1→2  dense {changes[0].dense[0]}→") and 0 < agree <= 1


def test_the_agreement_gate_leaves_alone_what_the_signals_agree_on(tmp_path, corpus):
    from eval.title_loss import Settled, agreement_rows

    adapter = Settled(np.eye(4, 2, dtype=np.float32), np.eye(2, 4, dtype=np.float32), "e", "s", gate=0.9,
                      settled=frozenset({"b"}))
    assert adapter.kept(3, np.array([0.95, 0.5, 0.5]), ["a", "b", "c"]).tolist() == [True, True, False]
    train, _ = _bridged_set(tmp_path, corpus)
    with full_rankers() as full_ranker:
        lines = agreement_rows(train, full_ranker(train), set(), folds=4)
    assert lines[0].startswith("raw dense and character TF-IDF agree on the first patent: needs ")
    assert len(lines) == 9 and sum("+ agreement" in line for line in lines) == 4
