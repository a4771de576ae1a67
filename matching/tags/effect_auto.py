"""The effect classifier on by default: trained on the platform's own patents once they are enough.

Held out, cues + classifier beat the cues alone (docs/tagging.md: F1 0.651 vs 0.617), so
`patent-match tag` trains the classifier itself (silver labels from the cues, as `tag train-effects`
does) when none is trained and the abstracts hold at least MIN_SENTENCES sentences, and retrains it
when they have grown by RETRAIN_GROWTH — not on every import: each retrain changes the tagger's
stamp and so retags every patent. Settings.effect_classifier: `auto` (this), `manual` (only a model
trained by hand), `off` (cues alone, a trained model is ignored).

A model directory is replaced whole: the new one is written beside it, with manifest.json last, and
swapped in only when complete, so a failed training leaves the previous model (and with it the
stamp and every tag) as it was; deciding, training and swapping hold a lock, and a model a killed
run left aside is put back (indexer/directory_swap.py). A model on disk is used only if its
classifier version is the current one and it loads; otherwise the run says why in Chinese, tags
with the cues, and in auto mode retrains when the abstracts are enough.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from indexer.directory_swap import locked, new_beside, recover, swap_in
from matching.tags.effect_model import MIN_SENTENCES, EffectClassifier
from matching.tags.effects import split_sentences
from matching.tags.tagger import TAGGER_VERSION

logger = logging.getLogger(__name__)

CLASSIFIER_VERSION = "1"  # bump when EffectClassifier's features or training change: auto mode retrains
RETRAIN_GROWTH = 1.25  # retrain once the abstracts hold 25% more sentences than the model was trained on
MANIFEST = "manifest.json"
Mode = Literal["auto", "manual", "off"]
# unusable: a model on disk that is not used (another classifier version, or it does not load): the cues tag
Action = Literal["trained", "retrained", "kept", "below", "manual", "off", "failed", "unusable"]


@dataclass(frozen=True)
class EffectManifest:
    trained_at: str  # ISO 8601, UTC
    sentences: int  # sentences trained on (abstracts plus any --corpus texts)
    patents: int  # patent abstracts trained on
    database_sentences: int  # of which from the patents' abstracts: what growth is measured against
    extra_texts: int  # texts from `tag train-effects --corpus`; such a model is never replaced automatically
    cue_rules: str  # TAGGER_VERSION and the effects table's checksum: the silver labels' source
    classifier_version: str
    trained_by: Literal["auto", "hand"]
    model: str  # EffectClassifier.version: the tags' stamp carries the same


@dataclass(frozen=True)
class EffectModelStatus:
    model: EffectClassifier | None  # what the tagger uses; None: the cues alone
    action: Action
    sentences: int  # in the patents' abstracts now
    message: str  # one line in Chinese for the operator

    @property
    def is_warning(self) -> bool:
        """The line goes to stderr: training failed, or a model on disk could not be used."""
        return self.action in ("failed", "unusable")


@dataclass(frozen=True)
class StoredModel:
    model: EffectClassifier | None  # None: none on disk, or one that is not used (problem says why)
    manifest: EffectManifest | None
    problem: str | None = None  # in Chinese, naming the directory


def cue_rules_version() -> str:
    table = resources.files("matching").joinpath("reference/effects.tsv").read_bytes()
    return f"{TAGGER_VERSION}+{hashlib.sha256(table).hexdigest()[:12]}"


def count_sentences(texts: list[str]) -> int:
    return sum(len(split_sentences(t)) for t in texts)


def read_manifest(directory: Path) -> EffectManifest | None:
    path = directory / MANIFEST
    if not path.is_file():
        return None
    return EffectManifest(**json.loads(path.read_text(encoding="utf-8")))


def is_trained(directory: Path) -> bool:
    return (directory / "effect_model.json").is_file()


def read_stored_model(directory: Path) -> StoredModel:
    """The model on disk if it may be used. The version is checked before anything is loaded: another
    classifier version's features do not fit this code's (a model without a manifest predates them
    and is used as before). Call with the lock held (indexer/directory_swap.py `locked`) so no swap is half done."""
    if not is_trained(directory):
        return StoredModel(None, None)
    where = f"技术功效分类器模型 {directory}"
    try:
        manifest = read_manifest(directory)
    except (OSError, ValueError, TypeError) as exc:  # unreadable JSON, or fields of another version
        return StoredModel(None, None, f"{where} 的 {MANIFEST} 无法读取（{type(exc).__name__}: {exc}）")
    if manifest is not None and manifest.classifier_version != CLASSIFIER_VERSION:
        return StoredModel(None, manifest, f"{where} 由分类器版本 {manifest.classifier_version} 训练，当前版本为 "
                                           f"{CLASSIFIER_VERSION}，不能使用")
    try:
        model = EffectClassifier.load(directory)
    except Exception as exc:  # noqa: BLE001  (a damaged file of any kind: the cues tag instead)
        return StoredModel(None, manifest, f"{where} 无法加载（{type(exc).__name__}: {exc}）")
    if manifest is not None and manifest.model != model.version:
        return StoredModel(None, manifest, f"{where} 的权重（{model.version}）与 {MANIFEST} 所记（{manifest.model}）"
                                           "不符，不能使用")
    return StoredModel(model, manifest)


def load_effect_model(directory: Path, mode: Mode) -> EffectClassifier | None:
    """The model on disk, as the settings say to use it: never when `off`, nor when it may not be used."""
    if mode == "off":
        return None
    with locked(directory):
        recover(directory, remove_leftovers=True)
        stored = read_stored_model(directory)
    if stored.problem:
        logger.warning("%s：仅用线索规则标引", stored.problem)
    return stored.model


def _train_and_save(texts: list[str], directory: Path, *, patents: int, database_sentences: int,
                    trained_by: Literal["auto", "hand"], extra_texts: int,
                    max_iter: int) -> tuple[EffectClassifier, EffectManifest]:
    model = EffectClassifier.train(texts, max_iter=max_iter)
    new = new_beside(directory)
    try:
        model.save(new)
        saved = EffectClassifier.load(new)
        manifest = EffectManifest(
            trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), sentences=count_sentences(texts),
            patents=patents, database_sentences=database_sentences, extra_texts=extra_texts,
            cue_rules=cue_rules_version(), classifier_version=CLASSIFIER_VERSION, trained_by=trained_by,
            model=saved.version)
        (new / MANIFEST).write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
        swap_in(new, directory)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return saved, manifest


def train_and_save(texts: list[str], directory: Path, *, patents: int, database_sentences: int,
                   trained_by: Literal["auto", "hand"], extra_texts: int = 0,
                   max_iter: int = 2000) -> tuple[EffectClassifier, EffectManifest]:
    """Train on `texts`, write model and manifest beside `directory`, swap them in; on any error the
    previous model stays. Returns the model as loaded back (float16 weights, as every later run sees it)."""
    with locked(directory):
        recover(directory, remove_leftovers=True)
        return _train_and_save(texts, directory, patents=patents, database_sentences=database_sentences,
                               trained_by=trained_by, extra_texts=extra_texts, max_iter=max_iter)


def retrain_reason(manifest: EffectManifest | None, sentences: int) -> str | None:
    """Why an existing model should be retrained automatically, or None to keep it."""
    if manifest is None:  # trained by hand before manifests existed
        return None
    if manifest.classifier_version != CLASSIFIER_VERSION:  # first: not even a --corpus model is usable then
        return f"分类器版本 {manifest.classifier_version} → {CLASSIFIER_VERSION}"
    if manifest.extra_texts:  # trained with --corpus: never replaced automatically
        return None
    if manifest.cue_rules != cue_rules_version():
        return "线索规则已更新"
    if sentences >= RETRAIN_GROWTH * manifest.database_sentences:
        return f"语料由 {manifest.database_sentences} 句增至 {sentences} 句（增长 ≥ {RETRAIN_GROWTH - 1:.0%}）"
    return None


def ensure_effect_model(texts: list[str], directory: Path, mode: Mode, max_iter: int = 2000) -> EffectModelStatus:
    """The effect classifier the tagger should use for these patent abstracts, trained first if needed.
    Holds the model directory's lock throughout, so a concurrent run waits and then keeps this one's model."""
    sentences = count_sentences(texts)
    if mode == "off":
        return EffectModelStatus(None, "off", sentences,
                                 "技术功效分类器已关闭（effect_classifier=off）：仅用线索规则标引")
    with locked(directory):
        recover(directory, remove_leftovers=True)
        return _decide(texts, sentences, directory, mode, read_stored_model(directory), max_iter)


def _decide(texts: list[str], sentences: int, directory: Path, mode: Mode, stored: StoredModel,
            max_iter: int) -> EffectModelStatus:
    current, manifest = stored.model, stored.manifest
    warning = f"警告：{stored.problem}；" if stored.problem else ""
    unusable = f"{warning}本次仅用线索规则标引"
    if mode == "manual":
        if stored.problem:
            return EffectModelStatus(None, "unusable", sentences, f"{unusable}（effect_classifier=manual，"
                                     "用 patent-match tag train-effects 重新训练）")
        if current is None:
            return EffectModelStatus(None, "manual", sentences, "技术功效分类器未训练（effect_classifier=manual，"
                                     "用 patent-match tag train-effects 训练）：仅用线索规则标引")
        return EffectModelStatus(current, "manual", sentences, f"技术功效分类器：使用手动训练的模型 {current.version}")
    if current is None and sentences < MIN_SENTENCES:
        if stored.problem:
            return EffectModelStatus(None, "unusable", sentences, f"{unusable}（专利摘要共 {sentences} 句，"
                                     f"至少需要 {MIN_SENTENCES} 句才能重新训练）")
        return EffectModelStatus(None, "below", sentences, f"专利摘要共 {sentences} 句，技术功效分类器至少需要 "
                                 f"{MIN_SENTENCES} 句才训练：本次仅用线索规则标引")
    if current is None:
        reason = "原模型不能使用" if stored.problem else "尚无模型"
    else:
        reason = retrain_reason(manifest, sentences)
    if reason is None or sentences < MIN_SENTENCES:
        return EffectModelStatus(current, "kept", sentences, f"技术功效分类器：沿用模型 {current.version}"
                                 f"（训练时 {manifest.database_sentences if manifest else '?'} 句，现 {sentences} 句）")
    try:
        model, _ = _train_and_save(texts, directory, patents=len(texts), database_sentences=sentences,
                                   trained_by="auto", extra_texts=0, max_iter=max_iter)
    except Exception as exc:  # noqa: BLE001  (any failure: keep the previous model and say so)
        logger.info("effect classifier training failed", exc_info=True)  # the user gets the line below
        fallback = f"沿用原模型 {current.version}" if current else "仅用线索规则"
        return EffectModelStatus(current, "failed", sentences, f"{warning}技术功效分类器训练失败"
                                 f"（{type(exc).__name__}: {exc}）：原有模型和标引保持不变，本次{fallback}标引")
    action: Action = "trained" if current is None else "retrained"
    verb = "训练" if current is None else "重新训练"
    return EffectModelStatus(model, action, sentences, f"{warning}技术功效分类器：已用 {len(texts)} 件专利摘要的 "
                             f"{sentences} 句{verb}（{reason}），模型 {model.version} → {directory}；标引随之更新")
