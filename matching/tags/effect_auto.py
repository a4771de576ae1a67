"""The effect classifier on by default: trained on the platform's own patents once they are enough.

Held out, cues + classifier beat the cues alone (docs/tagging.md: F1 0.651 vs 0.617), so
`patent-match tag` trains the classifier itself (silver labels from the cues, as `tag train-effects`
does) when none is trained and the abstracts hold at least MIN_SENTENCES sentences, and retrains it
when they have grown by RETRAIN_GROWTH — not on every import: each retrain changes the tagger's
stamp and so retags every patent. Settings.effect_classifier: `auto` (this), `manual` (only a model
trained by hand), `off` (cues alone, a trained model is ignored).

A model directory is replaced whole: the new one is written beside it, with manifest.json last, and
swapped in only when complete, so a failed training leaves the previous model (and with it the
stamp and every tag) as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from matching.tags.effect_model import MIN_SENTENCES, EffectClassifier
from matching.tags.effects import split_sentences
from matching.tags.tagger import TAGGER_VERSION

logger = logging.getLogger(__name__)

CLASSIFIER_VERSION = "1"  # bump when EffectClassifier's features or training change: auto mode retrains
RETRAIN_GROWTH = 1.25  # retrain once the abstracts hold 25% more sentences than the model was trained on
MANIFEST = "manifest.json"
Mode = Literal["auto", "manual", "off"]
Action = Literal["trained", "retrained", "kept", "below", "manual", "off", "failed"]


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


def load_effect_model(directory: Path, mode: Mode) -> EffectClassifier | None:
    """The model on disk, as the settings say to use it: never when `off`."""
    return EffectClassifier.load(directory) if mode != "off" and is_trained(directory) else None


def _swap_in(new: Path, directory: Path) -> None:
    old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
    if directory.exists():
        os.replace(directory, old)
    try:
        os.replace(new, directory)
    except OSError:
        if old.exists():
            os.replace(old, directory)  # put the previous model back
        raise
    shutil.rmtree(old, ignore_errors=True)


def train_and_save(texts: list[str], directory: Path, *, patents: int, database_sentences: int,
                   trained_by: Literal["auto", "hand"], extra_texts: int = 0,
                   max_iter: int = 2000) -> tuple[EffectClassifier, EffectManifest]:
    """Train on `texts`, write model and manifest beside `directory`, swap them in; on any error the
    previous model stays. Returns the model as loaded back (float16 weights, as every later run sees it)."""
    model = EffectClassifier.train(texts, max_iter=max_iter)
    directory.parent.mkdir(parents=True, exist_ok=True)
    new = directory.with_name(f".{directory.name}.new-{os.getpid()}")
    shutil.rmtree(new, ignore_errors=True)
    try:
        model.save(new)
        saved = EffectClassifier.load(new)
        manifest = EffectManifest(
            trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), sentences=count_sentences(texts),
            patents=patents, database_sentences=database_sentences, extra_texts=extra_texts,
            cue_rules=cue_rules_version(), classifier_version=CLASSIFIER_VERSION, trained_by=trained_by,
            model=saved.version)
        (new / MANIFEST).write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
        _swap_in(new, directory)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return saved, manifest


def retrain_reason(manifest: EffectManifest | None, sentences: int) -> str | None:
    """Why an existing model should be retrained automatically, or None to keep it."""
    if manifest is None or manifest.extra_texts:  # trained by hand before manifests, or with --corpus
        return None
    if manifest.classifier_version != CLASSIFIER_VERSION:
        return f"分类器版本 {manifest.classifier_version} → {CLASSIFIER_VERSION}"
    if manifest.cue_rules != cue_rules_version():
        return "线索规则已更新"
    if sentences >= RETRAIN_GROWTH * manifest.database_sentences:
        return f"语料由 {manifest.database_sentences} 句增至 {sentences} 句（增长 ≥ {RETRAIN_GROWTH - 1:.0%}）"
    return None


def ensure_effect_model(texts: list[str], directory: Path, mode: Mode, max_iter: int = 2000) -> EffectModelStatus:
    """The effect classifier the tagger should use for these patent abstracts, trained first if needed."""
    sentences = count_sentences(texts)
    if mode == "off":
        return EffectModelStatus(None, "off", sentences,
                                 "技术功效分类器已关闭（effect_classifier=off）：仅用线索规则标引")
    current = load_effect_model(directory, mode)
    if mode == "manual":
        if current is None:
            return EffectModelStatus(None, "manual", sentences, "技术功效分类器未训练（effect_classifier=manual，"
                                     "用 patent-match tag train-effects 训练）：仅用线索规则标引")
        return EffectModelStatus(current, "manual", sentences, f"技术功效分类器：使用手动训练的模型 {current.version}")
    manifest = read_manifest(directory) if current else None
    if current is None and sentences < MIN_SENTENCES:
        return EffectModelStatus(None, "below", sentences, f"专利摘要共 {sentences} 句，技术功效分类器至少需要 "
                                 f"{MIN_SENTENCES} 句才训练：本次仅用线索规则标引")
    reason = "尚无模型" if current is None else retrain_reason(manifest, sentences)
    if reason is None or sentences < MIN_SENTENCES:
        return EffectModelStatus(current, "kept", sentences, f"技术功效分类器：沿用模型 {current.version}"
                                 f"（训练时 {manifest.database_sentences if manifest else '?'} 句，现 {sentences} 句）")
    try:
        model, _ = train_and_save(texts, directory, patents=len(texts), database_sentences=sentences,
                                  trained_by="auto", max_iter=max_iter)
    except Exception as exc:  # noqa: BLE001  (any failure: keep the previous model and say so)
        logger.info("effect classifier training failed", exc_info=True)  # the user gets the line below
        fallback = f"沿用原模型 {current.version}" if current else "仅用线索规则"
        return EffectModelStatus(current, "failed", sentences, f"技术功效分类器训练失败（{type(exc).__name__}: "
                                 f"{exc}）：原有模型和标引保持不变，本次{fallback}标引")
    action: Action = "trained" if current is None else "retrained"
    verb = "训练" if current is None else "重新训练"
    return EffectModelStatus(model, action, sentences, f"技术功效分类器：已用 {len(texts)} 件专利摘要的 {sentences} 句"
                             f"{verb}（{reason}），模型 {model.version} → {directory}；标引随之更新")
