"""The effect classifier on by default (issue 21 item 6): `patent-match tag` trains it once the patents'
abstracts hold enough sentences, retrains it only after real growth, and never leaves half a model."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, select

from api.cli import main
from data.db import transaction
from data.enums import LegalStatus, PatentType
from data.models import Patent, TagState
from data.settings import get_settings
from matching.tags.effect_auto import RETRAIN_GROWTH, EffectManifest, cue_rules_version, read_manifest, retrain_reason
from matching.tags.effect_model import MIN_SENTENCES, EffectClassifier

# Team-written sentence templates: an effect sentence (with a cue), a neutral structure sentence, a name.
EFFECTS = ["降低了{part}的制造成本", "减少了{part}的能耗", "降低了{part}运行时的噪声", "提高了{part}的测量精度",
           "延长了{part}的使用寿命", "使{part}结构简单", "便于{part}的安装和维护", "提高了{part}的工作效率",
           "减轻了{part}的重量", "提高了{part}的安全性"]
PARTS = ["电机", "阀门", "传感器", "电池包", "齿轮箱", "散热器", "控制柜", "输送带", "喷头", "支架", "泵体"]
STRUCTURES = ["所述{part}安装于底座上，底座设有第{n}号定位孔", "{part}通过螺栓与机架连接，共设{n}个连接点",
              "控制器与{part}电连接，信号线长度为{n}厘米"]


def abstract(i: int) -> str:
    part, n = PARTS[i % len(PARTS)], i % 97
    effect = EFFECTS[(i // len(PARTS)) % len(EFFECTS)].format(part=part)
    structure = STRUCTURES[i % len(STRUCTURES)].format(part=part, n=n)
    return f"本实用新型公开了一种{part}组件。{structure}。该方案{effect}。"  # three sentences


def add_patents(engine: Engine, start: int, count: int) -> None:
    with transaction(engine) as session:
        session.add_all(Patent(application_number=f"2026{i:08d}", patent_type=PatentType.UTILITY_MODEL,
                               title=f"一种{PARTS[i % len(PARTS)]}组件", abstract=abstract(i),
                               application_date=dt.date(2026, 1, 1), legal_status=LegalStatus.VALID)
                        for i in range(start, start + count))


ENOUGH = -(-MIN_SENTENCES // 3)  # patents of three sentences each: just over the threshold


def tag(engine: Engine, *extra: str):  # noqa: ANN201
    result = CliRunner().invoke(main, ["--db", engine.url.render_as_string(hide_password=False), "tag", *extra])
    assert result.exit_code == 0, result.output
    return result


def digests(engine: Engine) -> dict[int, str]:
    with transaction(engine) as session:
        return {s.entity_id: s.digest for s in session.scalars(select(TagState))}


def expected_digests(engine: Engine) -> dict[int, str]:
    """What the tagger as configured now (the model on disk, if used) would stamp on each patent."""
    from api.cli_tags import make_tagger

    tagger = make_tagger()
    with transaction(engine) as session:
        return {p.id: tagger.patent_digest(p) for p in session.scalars(select(Patent))}


def model_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_below_the_threshold_the_cues_alone_tag_and_tag_says_so(sqlite_engine):
    add_patents(sqlite_engine, 0, 100)
    result = tag(sqlite_engine)
    assert "专利摘要共 300 句" in result.output and f"至少需要 {MIN_SENTENCES} 句" in result.output
    assert not get_settings().effect_model_dir.exists()
    assert digests(sqlite_engine) == expected_digests(sqlite_engine)
    from api.cli_tags import make_tagger

    assert make_tagger().stamp.endswith("|none")


def test_enough_sentences_train_once_and_tags_carry_the_models_version(sqlite_engine):
    add_patents(sqlite_engine, 0, ENOUGH)
    before = tag(sqlite_engine, "--all").output  # trains straight away
    directory = get_settings().effect_model_dir
    manifest = read_manifest(directory)
    assert manifest is not None and manifest.trained_by == "auto" and manifest.patents == ENOUGH
    assert manifest.sentences == manifest.database_sentences == 3 * ENOUGH >= MIN_SENTENCES
    assert manifest.cue_rules == cue_rules_version() and manifest.classifier_version
    raw = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))  # plain JSON, never pickle
    assert dt.datetime.fromisoformat(raw["trained_at"]).tzinfo is not None
    model = EffectClassifier.load(directory)
    assert manifest.model == model.version and model.version in before and "已用" in before
    from api.cli_tags import make_tagger

    assert make_tagger().stamp.endswith(f"|effects-{model.version}")
    stamped = digests(sqlite_engine)
    assert stamped == expected_digests(sqlite_engine) and len(stamped) == ENOUGH
    files = model_files(directory)

    again = tag(sqlite_engine).output  # nothing grew: no retraining, nothing retagged
    assert "沿用模型" in again and f"加工标引：专利 0 件、需求 0 项已标引，{ENOUGH} 项未变" in again
    assert model_files(directory) == files and read_manifest(directory) == manifest and digests(sqlite_engine) == stamped


def test_growth_past_the_factor_retrains_and_retags_everything(sqlite_engine):
    add_patents(sqlite_engine, 0, ENOUGH)
    tag(sqlite_engine)
    directory = get_settings().effect_model_dir
    first = read_manifest(directory)
    below_factor = int(ENOUGH * (RETRAIN_GROWTH - 1)) - 10  # grows, but by less than the factor
    add_patents(sqlite_engine, ENOUGH, below_factor)
    small = tag(sqlite_engine).output
    assert read_manifest(directory) == first and f"加工标引：专利 {below_factor} 件" in small
    add_patents(sqlite_engine, ENOUGH + below_factor, 20)
    total = ENOUGH + below_factor + 20
    grown = tag(sqlite_engine).output
    second = read_manifest(directory)
    assert second.database_sentences == 3 * total >= RETRAIN_GROWTH * first.database_sentences
    assert second.model != first.model and "重新训练" in grown
    assert f"加工标引：专利 {total} 件" in grown  # a new model: every patent's tags are redone
    assert digests(sqlite_engine) == expected_digests(sqlite_engine)


def test_off_never_trains_and_ignores_a_model_trained_by_hand(sqlite_engine, monkeypatch):
    monkeypatch.setenv("PATENT_MATCH_EFFECT_CLASSIFIER", "off")
    get_settings.cache_clear()
    add_patents(sqlite_engine, 0, ENOUGH)
    assert "已关闭" in tag(sqlite_engine).output and not get_settings().effect_model_dir.exists()
    db = ["--db", sqlite_engine.url.render_as_string(hide_password=False)]
    by_hand = CliRunner().invoke(main, [*db, "tag", "train-effects"])
    assert by_hand.exit_code == 0 and "effect_classifier=off" in by_hand.output
    assert f"技术功效分类器：已用 {ENOUGH} 篇文本的 {3 * ENOUGH} 句训练" in by_hand.output  # Chinese first
    manifest = read_manifest(get_settings().effect_model_dir)
    assert manifest.trained_by == "hand"
    assert "加工标引：专利 0 件" in tag(sqlite_engine).output  # still the cues' stamp
    monkeypatch.setenv("PATENT_MATCH_EFFECT_CLASSIFIER", "manual")
    get_settings.cache_clear()
    manual = tag(sqlite_engine).output
    assert "手动训练" in manual and f"加工标引：专利 {ENOUGH} 件" in manual
    assert digests(sqlite_engine) == expected_digests(sqlite_engine)


def test_a_failed_training_leaves_the_model_and_the_tags_as_they_were(sqlite_engine, monkeypatch):
    add_patents(sqlite_engine, 0, ENOUGH)
    tag(sqlite_engine)
    directory = get_settings().effect_model_dir
    files, stamped = model_files(directory), digests(sqlite_engine)
    add_patents(sqlite_engine, ENOUGH, ENOUGH // 2)  # grown past the factor: tag will retrain

    def broken_train(cls, texts, **kwargs):  # noqa: ANN001, ANN202
        raise RuntimeError("内存不足（模拟）")

    monkeypatch.setattr(EffectClassifier, "train", classmethod(broken_train))
    result = tag(sqlite_engine)
    assert "训练失败" in result.stderr and "内存不足（模拟）" in result.stderr and "原有模型和标引保持不变" in result.stderr
    assert model_files(directory) == files
    now = digests(sqlite_engine)
    assert {i: now[i] for i in stamped} == stamped  # the old patents keep their tags
    assert now == expected_digests(sqlite_engine)  # the new ones were tagged with the old model

    real_save = EffectClassifier.save

    def save_half(self, target):  # noqa: ANN001, ANN202  (a disk that fills up half-way)
        real_save(self, target)
        (target / "coef.npy").write_bytes(b"")
        raise OSError("磁盘已满（模拟）")

    monkeypatch.undo()
    monkeypatch.setattr(EffectClassifier, "save", save_half)
    assert "磁盘已满（模拟）" in tag(sqlite_engine).stderr
    assert model_files(directory) == files and digests(sqlite_engine) == now
    # no half-written directory left, only the lock file (indexer/directory_swap.py)
    assert sorted(p.name for p in directory.parent.iterdir()) == [".effects.lock", directory.name]


def _manifest(**changes: object) -> EffectManifest:
    fields = dict(trained_at="2026-12-05T00:00:00+00:00", sentences=4000, patents=1000, database_sentences=4000,
                  extra_texts=0, cue_rules=cue_rules_version(), classifier_version="1", trained_by="auto", model="x")
    return EffectManifest(**{**fields, **changes})


def test_retraining_follows_growth_rules_and_versions_and_spares_a_model_trained_with_a_corpus():
    assert retrain_reason(_manifest(), 4999) is None
    assert retrain_reason(_manifest(), 5000) is not None  # 25% more sentences
    assert retrain_reason(_manifest(cue_rules="1+000000000000"), 4000) == "线索规则已更新"
    assert "分类器版本" in retrain_reason(_manifest(classifier_version="0"), 4000)
    assert retrain_reason(_manifest(trained_by="hand"), 5000) is not None
    assert retrain_reason(_manifest(trained_by="hand", extra_texts=300), 50_000) is None
    assert retrain_reason(None, 50_000) is None  # a model trained by hand before manifests existed


def test_retraining_checks_the_classifier_version_before_sparing_a_corpus_model():
    assert "分类器版本" in retrain_reason(_manifest(trained_by="hand", extra_texts=300, classifier_version="0"), 4000)


def _db(engine: Engine) -> list[str]:
    return ["--db", engine.url.render_as_string(hide_password=False)]


def test_a_corpus_model_of_an_older_classifier_version_is_not_used(sqlite_engine, write, monkeypatch):
    import matching.tags.effect_auto as effect_auto

    add_patents(sqlite_engine, 0, 100)  # too few to retrain from the database alone
    corpus = write("extra.jsonl", "\n".join(json.dumps({"text": abstract(i)}, ensure_ascii=False)
                                            for i in range(100, 100 + ENOUGH)))
    by_hand = CliRunner().invoke(main, [*_db(sqlite_engine), "tag", "train-effects", "--corpus", str(corpus)])
    assert by_hand.exit_code == 0, by_hand.output
    assert read_manifest(get_settings().effect_model_dir).extra_texts == ENOUGH
    tag(sqlite_engine)
    monkeypatch.setattr(effect_auto, "CLASSIFIER_VERSION", "99")  # the features changed since it was trained
    result = tag(sqlite_engine)
    assert "分类器版本 1" in result.stderr and "当前版本为 99" in result.stderr and "仅用线索规则" in result.stderr
    assert "加工标引：专利 100 件" in result.output  # retagged with the cues
    from api.cli_tags import make_tagger

    assert make_tagger().stamp.endswith("|none") and digests(sqlite_engine) == expected_digests(sqlite_engine)

    add_patents(sqlite_engine, 100, ENOUGH)  # now auto mode can retrain, from the database
    retrained = tag(sqlite_engine)
    manifest = read_manifest(get_settings().effect_model_dir)
    assert manifest.classifier_version == "99" and manifest.extra_texts == 0 and "已用" in retrained.output


def test_a_model_that_does_not_load_falls_back_to_the_cues_with_a_warning(sqlite_engine, monkeypatch):
    monkeypatch.setenv("PATENT_MATCH_EFFECT_CLASSIFIER", "manual")
    get_settings.cache_clear()
    add_patents(sqlite_engine, 0, ENOUGH)
    assert CliRunner().invoke(main, [*_db(sqlite_engine), "tag", "train-effects"]).exit_code == 0
    tag(sqlite_engine)
    directory = get_settings().effect_model_dir
    (directory / "coef.npy").write_bytes(b"not numpy")
    broken = tag(sqlite_engine)  # crashed before
    assert "无法加载" in broken.stderr and str(directory) in broken.stderr and "仅用线索规则" in broken.stderr
    from api.cli_tags import make_tagger

    assert make_tagger().stamp.endswith("|none") and digests(sqlite_engine) == expected_digests(sqlite_engine)

    monkeypatch.setenv("PATENT_MATCH_EFFECT_CLASSIFIER", "auto")  # auto retrains over the broken model
    get_settings.cache_clear()
    assert "已用" in tag(sqlite_engine).output and EffectClassifier.load(directory).version == \
        read_manifest(directory).model


def test_an_orphaned_old_model_is_put_back_on_start(sqlite_engine, monkeypatch):
    monkeypatch.setenv("PATENT_MATCH_EFFECT_CLASSIFIER", "manual")  # nothing may retrain over the gap
    get_settings.cache_clear()
    add_patents(sqlite_engine, 0, ENOUGH)
    assert CliRunner().invoke(main, [*_db(sqlite_engine), "tag", "train-effects"]).exit_code == 0
    tag(sqlite_engine)
    directory = get_settings().effect_model_dir
    files, stamped = model_files(directory), digests(sqlite_engine)
    # A run killed between the swap's two renames: the model aside, the new one beside it, no model directory.
    directory.replace(directory.with_name(f".{directory.name}.old-4194301"))
    half = directory.with_name(f".{directory.name}.new-4194301")
    half.mkdir()
    (half / "coef.npy").write_bytes(b"")
    result = tag(sqlite_engine)
    assert "手动训练" in result.output and "加工标引：专利 0 件" in result.output
    assert model_files(directory) == files and digests(sqlite_engine) == stamped
    assert sorted(p.name for p in directory.parent.iterdir()) == [".effects.lock", directory.name]


def test_two_concurrent_runs_train_once_the_second_waits_and_keeps_the_model(sqlite_engine, monkeypatch):
    import threading

    from matching.tags.effect_auto import ensure_effect_model

    texts = [abstract(i) for i in range(ENOUGH)]
    directory = get_settings().effect_model_dir
    real_train, started, trainings = EffectClassifier.train.__func__, threading.Event(), []

    def slow_train(cls, texts, **kwargs):  # noqa: ANN001, ANN202
        trainings.append(threading.current_thread().name)
        started.set()
        threading.Event().wait(1.0)  # long enough for the second run to reach the model directory
        return real_train(cls, texts, **kwargs)

    monkeypatch.setattr(EffectClassifier, "train", classmethod(slow_train))
    statuses: dict[str, object] = {}

    def run(name: str) -> None:
        statuses[name] = ensure_effect_model(texts, directory, "auto")

    first = threading.Thread(target=run, args=("first",), name="first")
    second = threading.Thread(target=run, args=("second",), name="second")
    first.start()
    assert started.wait(30)
    second.start()
    first.join(60)
    second.join(60)
    assert trainings == ["first"]
    assert statuses["first"].action == "trained" and statuses["second"].action == "kept"
    assert statuses["second"].model.version == statuses["first"].model.version == read_manifest(directory).model
