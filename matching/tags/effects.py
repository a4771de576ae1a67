"""Technical effects (技术功效): what a patent achieves, and what a need asks for.

Rules first: each class of the team's taxonomy (matching/reference/effects.tsv, 28 classes) has cue
patterns for patents (an improvement verb with its object inside one clause: 降低…成本, 提高…精度,
or a telling word: 节能, 耐磨) and cue patterns for needs (the complaint: 能耗太高 → 节能降耗). The
invention's name (一种…) and field statements are masked first: a name such as 一种安全带 says what
the patent is, not what it achieves — but the qualities stated before its last 的 (一种使用方便、握笔
舒适的铅笔) are benefits and stay visible. The heading 具有如下有益效果 is masked too. A cue's gap
([^，。；,;.]) never crosses a clause, full-width or half-width. Every tag keeps the clause it came
from as evidence. Measured against the team's gold sample: docs/tagging.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from matching.industries import _rows

SENTENCE = re.compile(r"(?<=[。；;！？!?])")
# A need is its title and text joined by a newline; a half-width full stop ends a clause, a decimal
# point does not.
CLAUSE = re.compile(r"[，,；;。：:！？!?\n]|(?<!\d)\.(?!\d)")
# "一种…" up to the next punctuation is the invention's name; "涉及…领域" is its field.
_NAME = re.compile(r"一种[^，,。；;：:.]*|涉及[^，,。；;.]*(领域|技术)")
# A decimal point (1.5倍) is not a full stop: the cues' gaps may cross it.
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
# Headings that announce effects without stating one: 具有如下有益效果, 本发明的技术效果是.
_BOILERPLATE = re.compile(r"(有益|积极|技术)的?效果")
# A cue of the first class inside a match of the second is the second's: 通信的安全 is data security.
_YIELDS_TO = {"E07": "E25"}
EVIDENCE_CHARS = 60


@dataclass(frozen=True)
class EffectClass:
    code: str
    label: str
    definition: str
    patent_cues: re.Pattern[str]
    need_cues: re.Pattern[str]


@dataclass(frozen=True)
class EffectTag:
    code: str
    label: str
    evidence: str  # the clause the cue was found in (the sentence, for the classifier)
    sentence: int  # its sentence number in the text, from 0
    confidence: float = 1.0  # 1 for a cue; the classifier's probability otherwise
    inferred: bool = False  # found by the classifier, not by a cue


@lru_cache(maxsize=1)
def effect_classes() -> tuple[EffectClass, ...]:
    return tuple(EffectClass(code, label, definition, re.compile(patent), re.compile(need))
                 for code, label, definition, patent, need in _rows("effects.tsv"))


def effect_labels() -> dict[str, str]:
    return {c.code: c.label for c in effect_classes()}


def split_sentences(text: str) -> list[str]:
    """Sentences after 。；;！？, stripped, empty ones dropped (the gold sample is numbered this way)."""
    return [s.strip() for s in SENTENCE.split(text or "") if s.strip()]


def _clause_at(sentence: str, position: int) -> str:
    starts = [0] + [m.end() for m in CLAUSE.finditer(sentence) if m.end() <= position]
    start = starts[-1]
    end_match = CLAUSE.search(sentence, position)
    clause = sentence[start:end_match.start() if end_match else len(sentence)].strip()
    return clause[:EVIDENCE_CHARS]


def _blank(text: str) -> str:
    return "□" * len(text)  # same length: positions still match


def _mask_name(match: re.Match[str]) -> str:
    name = match.group()
    if not name.startswith("一种"):
        return _blank(name)  # the field
    qualities = name.rfind("的")  # 一种使用方便、握笔舒适的铅笔: the name is 铅笔, the rest are benefits
    if qualities < 0:
        return _blank(name)
    return _blank("一种") + name[2:qualities + 1] + _blank(name[qualities + 1:])


def mask_names(sentence: str) -> str:
    """The invention's name, its field and effect headings blanked, the qualities it claims kept."""
    return _BOILERPLATE.sub(lambda m: _blank(m.group()), _NAME.sub(_mask_name, sentence))


def _search(pattern: re.Pattern[str], masked: str, yields_to: re.Pattern[str] | None) -> re.Match[str] | None:
    if yields_to is None:
        return pattern.search(masked)
    taken = [m.span() for m in yields_to.finditer(masked)]
    return next((m for m in pattern.finditer(masked)
                 if not any(start <= m.start() and m.end() <= end for start, end in taken)), None)


def _tags(text: str, need: bool, model: EffectModel | None = None) -> list[EffectTag]:
    found: dict[str, EffectTag] = {}
    labels = effect_labels()
    cues = {c.code: c.need_cues if need else c.patent_cues for c in effect_classes()}
    sentences = split_sentences(text)
    # One call for all of a text's sentences: the classifier's cost is per call more than per sentence.
    predicted = model.predict_many(sentences) if model and sentences else [{} for _ in sentences]
    for number, sentence in enumerate(sentences):
        kept = _DECIMAL.sub("·", sentence)  # same length: positions still match
        masked = kept if need else mask_names(kept)
        for effect in effect_classes():
            if effect.code in found:  # the first evidence is kept
                continue
            yields_to = None if need or effect.code not in _YIELDS_TO else cues[_YIELDS_TO[effect.code]]
            match = _search(cues[effect.code], masked, yields_to)
            if match:
                found[effect.code] = EffectTag(effect.code, effect.label, _clause_at(sentence, match.start()),
                                               number)
        for code, probability in predicted[number].items():
            if code not in found:
                found[code] = EffectTag(code, labels[code], sentence[:EVIDENCE_CHARS], number, probability, True)
    return sorted(found.values(), key=lambda t: t.code)


class EffectModel(Protocol):
    def predict_many(self, sentences: list[str]) -> list[dict[str, float]]: ...  # effect → probability


def patent_effects(text: str, model: EffectModel | None = None) -> list[EffectTag]:
    """Effects a patent text claims to achieve, each once, with its first evidence; `model` (the
    effect classifier) adds the ones the cues miss."""
    return _tags(text, need=False, model=model)


def need_effects(text: str) -> list[EffectTag]:
    """Effects a need asks for: 能耗太高 → 节能降耗."""
    return _tags(text, need=True)


def sentence_effects(sentence: str, model: EffectModel | None = None) -> set[str]:
    return {t.code for t in patent_effects(sentence, model)}
