"""Legal-status vocabulary of CNIPA, incoPat and PatSnap exports, read into the model's four states.

Exports write far more than 有效/审中/失效/无效. CNIPA's 法律状态公告 names the event (未缴年费专利权终止,
专利权有效期届满, 避免重复授权放弃专利权, 发明专利申请公布后的视为撤回, 专利权的转移, 专利权质押合同登记的生效,
专利实施许可合同备案的生效, 权利的恢复 …); PatSnap has a 简单法律状态 (有效/失效/审中/未确认/PCT指定期内/
PCT指定期满), a detailed 法律状态 (公开, 实质审查, 授权, 避重授权, 放弃-主动放弃, 撤回-视为撤回, 驳回, 全部撤销,
期限届满, 未缴年费, 权利恢复, 权利终止, 部分无效, 申请终止 …) and 法律事件 (权利转移, 许可, 质押/担保, 信托, 异议,
复审, 海关备案, 诉讼, 保全, 无效程序 …); incoPat has 当前法律状态 (有效/失效/审中/PCT-有效期内/PCT-有效期满) and
a 法律状态/事件 list in the same words. Each term is read into a `Meaning`:

* a state — PENDING (公开, 实质审查), VALID (授权, 有效, 部分无效: still in force with narrowed claims,
  专利权的转移 / 专利权人…变更: only a granted right has a 专利权人), LAPSED (未缴年费, 期限届满, 撤回, 驳回,
  放弃, 避免重复授权放弃专利权) or INVALID (全部无效, 全部撤销);
* or no state: events that leave the state as it was (质押, 许可备案, 诉讼, 复审, 保全, 无效程序 — a
  pending invalidation request, not a decision — 申请人变更, 专利申请权的转移, 等恢复).

**Which term decides a cell.** A cell may hold several terms separated by ; ； , ， | or a line break
("有效;质押;许可", "公开;实质审查;授权;未缴年费专利权终止"). The most final state named wins: INVALID over
LAPSED over VALID over PENDING, because exports list the history and a later, final event outranks the
earlier ones. One exception: 权利恢复 (Implementing Regulations Art. 6 restoration) undoes the losses that
missed deadlines cause — 未缴年费, 视为撤回, 视为放弃 — written before it in the cell (exports list the
history oldest first), so "未缴年费专利权终止;权利恢复" is VALID again; a lapse written after it stands.
权利恢复 alone reads VALID. Terms that name no state do not vote.

**Unknown terms.** A term neither in the table nor caught by the keyword rules (`_KEYWORDS`, for the many
CNIPA spellings such as "专利权的终止(未缴年费专利权终止)") is kept in the raw string and the patent is
flagged for review. The known terms of the cell still decide; when none names a state, the importer
keeps the stored state of an existing patent and gives a new one PENDING — the model's "nothing
confirmed yet", never counted as valid, so an unread status never makes a patent sleeping or offerable.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from data.enums import LegalStatus
from data.normalize import clean_text, halfwidth, parse_date

P, V, L, INV = LegalStatus.PENDING, LegalStatus.VALID, LegalStatus.LAPSED, LegalStatus.INVALID
_RANK = {INV: 3, L: 2, V: 1, P: 0}


@dataclass(frozen=True)
class Meaning:
    status: LegalStatus | None
    restorable: bool = False  # a loss by a missed deadline, which 权利恢复 undoes
    restores: bool = False  # 权利恢复
    event: str | None = None  # transfer / pledge / license / change …: what a legal-event entry records


RESTORE = Meaning(None, restores=True)
TRANSFER = Meaning(V, event="transfer")
APPLICATION_TRANSFER = Meaning(None, event="transfer")  # 专利申请权的转移: the application may still be pending
CHANGE = Meaning(V, event="change")  # 专利权人…变更: only a granted right has a 专利权人
PLEDGE, LICENSE = Meaning(None, event="pledge"), Meaning(None, event="license")
NEUTRAL = Meaning(None)

# Exact terms after folding (full-width to half-width, spaces and brackets dropped).
TERMS: dict[str, Meaning] = {
    # plain states: the English values, our labels, PatSnap 简单法律状态, incoPat 当前法律状态
    "pending": Meaning(P), "valid": Meaning(V), "lapsed": Meaning(L), "invalid": Meaning(INV),
    "有效": Meaning(V), "有效专利": Meaning(V), "审中": Meaning(P), "在审": Meaning(P), "失效": Meaning(L),
    "无效": Meaning(INV), "未确认": NEUTRAL, "pct指定期内": Meaning(P), "pct指定期满": Meaning(L),
    "pct-有效期内": Meaning(P), "pct-有效期满": Meaning(L),
    # the application and grant
    "公开": Meaning(P), "公布": Meaning(P), "实质审查": Meaning(P), "实质审查的生效": Meaning(P),
    "实质审查请求的生效": Meaning(P), "pct国际公布": Meaning(P), "pct进入指定国(指定期内)": Meaning(P),
    "pct进入指定国(指定期满)": NEUTRAL, "pct未进指定国": Meaning(L),
    "授权": Meaning(V), "专利权维持": Meaning(V), "等年费滞纳金": Meaning(V), "避重授权": Meaning(V),
    # lapses
    "未缴年费": Meaning(L, restorable=True), "未缴年费专利权终止": Meaning(L, restorable=True),
    "未缴年费终止失效": Meaning(L), "期限届满": Meaning(L), "专利权有效期届满": Meaning(L),
    "届满终止失效": Meaning(L), "权利终止": Meaning(L), "专利权的终止": Meaning(L), "申请终止": Meaning(L),
    "避免重复授权放弃专利权": Meaning(L), "避重放弃": Meaning(L), "放弃": Meaning(L), "主动放弃": Meaning(L),
    "专利权的主动放弃": Meaning(L), "放弃-未指定类型": Meaning(L), "放弃-主动放弃": Meaning(L),
    "视为放弃": Meaning(L, restorable=True), "放弃-视为放弃": Meaning(L, restorable=True),
    "专利权的视为放弃": Meaning(L, restorable=True),
    "撤回": Meaning(L), "主动撤回": Meaning(L), "撤回-未指定类型": Meaning(L), "撤回-主动撤回": Meaning(L),
    "视为撤回": Meaning(L, restorable=True), "撤回-视为撤回": Meaning(L, restorable=True),
    "发明专利申请公布后的视为撤回": Meaning(L, restorable=True), "专利申请的视为撤回": Meaning(L, restorable=True),
    "发明专利申请公布后的撤回": Meaning(L), "驳回": Meaning(L), "发明专利申请公布后的驳回": Meaning(L),
    "专利申请的驳回": Meaning(L),
    # invalidation
    "全部无效": Meaning(INV), "专利权全部无效": Meaning(INV), "全部撤销": Meaning(INV),
    "部分无效": Meaning(V), "专利权部分无效": Meaning(V), "无效程序": NEUTRAL, "无效宣告请求": NEUTRAL,
    # restoration
    "权利恢复": RESTORE, "权利的恢复": RESTORE, "恢复权利": RESTORE, "专利申请或者专利权的恢复": RESTORE,
    "等恢复": NEUTRAL, "等恢复补正": NEUTRAL,
    # events: a transfer of the granted right is VALID; the rest leave the state as it was
    "专利权的转移": TRANSFER, "权利转移": TRANSFER, "转让": TRANSFER, "专利申请权的转移": APPLICATION_TRANSFER,
    "专利申请权、专利权的转移": APPLICATION_TRANSFER,
    "质押": PLEDGE, "质押/担保": PLEDGE, "专利权质押合同登记的生效": PLEDGE, "专利权质押合同登记的注销": PLEDGE,
    "专利权质押合同登记的变更": PLEDGE, "许可": LICENSE, "许可备案": LICENSE, "专利实施许可合同备案的生效": LICENSE,
    "专利实施许可合同备案的注销": LICENSE, "专利实施许可合同备案的变更": LICENSE, "开放许可": LICENSE,
    "专利权人的姓名或者名称、地址的变更": CHANGE, "专利权人的姓名或者名称的变更": CHANGE,
    "专利权人的地址的变更": CHANGE, "著录事项变更": NEUTRAL, "著录项目变更": NEUTRAL, "变更": NEUTRAL,
    "申请人的姓名或者名称、地址的变更": NEUTRAL, "信托": NEUTRAL, "异议": NEUTRAL, "复审": NEUTRAL, "海关备案": NEUTRAL,
    "诉讼": NEUTRAL, "保全": NEUTRAL, "专利权的保全": NEUTRAL, "专利权保全的解除": NEUTRAL, "口头审理": NEUTRAL,
    "国防解密": NEUTRAL, "一案双申": NEUTRAL, "文件的公告送达": NEUTRAL,
}

# Longer CNIPA spellings ("专利权的终止(未缴年费专利权终止)", "未缴年费专利权终止,等恢复", "其他有关事项避免重复
# 授权放弃专利权"): the first keyword found decides. Order matters: final states before the words they contain
# (全部无效 before 无效, 放弃 before 授权, 视为撤回 before 公布), and procedures before outcomes (无效程序).
_KEYWORDS: tuple[tuple[str, Meaning], ...] = (
    ("无效程序", NEUTRAL), ("无效宣告请求", NEUTRAL), ("全部无效", Meaning(INV)), ("全部撤销", Meaning(INV)),
    ("无效宣告失效", Meaning(INV)),
    ("部分无效", Meaning(V)), ("恢复", RESTORE), ("未缴年费", Meaning(L, restorable=True)),
    ("未缴纳年费", Meaning(L, restorable=True)), ("届满", Meaning(L)), ("视为撤回", Meaning(L, restorable=True)),
    ("视为放弃", Meaning(L, restorable=True)), ("撤回", Meaning(L)), ("驳回", Meaning(L)), ("放弃", Meaning(L)),
    ("终止", Meaning(L)), ("失效", Meaning(L)), ("质押", PLEDGE), ("许可", LICENSE),
    ("专利申请权", APPLICATION_TRANSFER), ("专利权的转移", TRANSFER), ("专利权人", CHANGE), ("变更", NEUTRAL),
    ("实质审查", Meaning(P)), ("授权", Meaning(V)), ("授予", Meaning(V)), ("公布", Meaning(P)), ("公开", Meaning(P)),
)

_SEPARATORS = re.compile(r"[;；,，|\n]+")


def fold(term: str) -> str:
    text = halfwidth(term).lower().replace("【", "(").replace("】", ")").replace("（", "(").replace("）", ")")
    return re.sub(r"[\s:：]+", "", text).strip("-—")


def meaning_of(term: str) -> Meaning | None:
    """What one term says, or None when it is not known: the table first, then the keywords."""
    return _exact(term) or _keyword(term)


def _exact(term: str) -> Meaning | None:
    return TERMS.get(fold(term))


def _keyword(term: str) -> Meaning | None:
    # "未缴年费专利权终止等恢复": lapsed and awaiting restoration; the loss decides, not the word 恢复
    folded = re.sub(r"等恢复(补正)?", "", fold(term)) or fold(term)
    for keyword, meaning in _KEYWORDS:
        if keyword in folded:
            return meaning
    return None


@dataclass(frozen=True)
class StatusReading:
    """A legal-status cell: the state it decides (None: none decided), the raw text, the unknown terms."""

    raw: str
    status: LegalStatus | None
    unknown: tuple[str, ...] = ()

    @property
    def review(self) -> bool:
        return bool(self.unknown) or self.status is None


def split_terms(text: str) -> list[str]:
    return [t.strip() for t in _SEPARATORS.split(text) if t.strip()]


def read_status(text: str) -> StatusReading:
    """Read a legal-status cell by the rule in the module docstring; never raises."""
    raw = text.strip()
    meanings: list[Meaning] = []
    unknown: list[str] = []
    for term in split_terms(raw):
        meaning = _exact(term)
        if meaning is None and re.search(r"[-—/]", term):  # "有效-质押": read each part
            parts = [meaning_of(p) for p in re.split(r"[-—/]", term) if p.strip()]
            if parts and all(parts):
                meanings.extend(p for p in parts if p is not None)
                continue
        meaning = meaning or _keyword(term)
        if meaning is None:
            unknown.append(term)
        else:
            meanings.append(meaning)
    return StatusReading(raw, decide(meanings), tuple(unknown))


def decide(meanings: list[Meaning]) -> LegalStatus | None:
    """The most final state; 权利恢复 undoes the restorable losses written before it."""
    kept: list[Meaning] = []
    restored = False
    for meaning in meanings:
        if meaning.restores:
            kept = [m for m in kept if not m.restorable]
            restored = True
        else:
            kept.append(meaning)
    states = [m.status for m in kept if m.status is not None]
    if not states:
        return V if restored else None
    return max(states, key=_RANK.__getitem__)


# ---- 法律事件 / legal-event columns -------------------------------------------------------------

_DATE = r"(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日|\d{8})"
_ENTRY_START = re.compile(rf"(?:^|[\n;；|])\s*{_DATE}\s*[:：]?\s*")
_LABELS = (r"(?:变更事项|变更前(?:权利人|专利权人|申请人)?|变更后(?:权利人|专利权人|申请人)?|登记生效日|生效日"
           r"|IPC[(（]主分类[)）]|IPC主分类|出质人|质权人|让与人|受让人|许可种类|合同备案号|登记号|备案日|解除日)")
_FIELD = re.compile(rf"({_LABELS})\s*[:：]\s*(.*?)(?=\s*{_LABELS}\s*[:：]|$)", re.S)
_NAME_SPLIT = re.compile(r"[;；、,，]+")


@dataclass(frozen=True)
class LegalEvent:
    """One dated entry of a legal-event cell."""

    published_on: dt.date
    name: str
    meaning: Meaning | None
    effective_on: dt.date  # 登记生效日 when given (a transfer takes effect on registration), else the entry date
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class EventsReading:
    raw: str
    events: tuple[LegalEvent, ...]
    problems: tuple[str, ...]  # entries that could not be read: row warnings, never errors

    @property
    def transfers(self) -> list[LegalEvent]:
        return sorted((e for e in self.events if e.meaning is not None and e.meaning.event == "transfer"),
                      key=lambda e: e.effective_on)


def read_events(text: str) -> EventsReading:
    """Split a legal-event cell into dated entries ("2021-03-05 专利权的转移 … 变更前权利人：甲 变更后权利人：乙
    登记生效日：2021-03-05"). An entry starts with a date at the start of the cell or after ; | or a line
    break. Undated text and unreadable dates are reported as problems; the entries around them still count."""
    raw = text.strip()
    starts = list(_ENTRY_START.finditer(raw))
    problems: list[str] = []
    lead = raw[: starts[0].start()] if starts else raw
    for term in split_terms(lead):  # undated names ("权利转移;质押"): informational unless unknown
        meaning = meaning_of(term)
        if meaning is None:
            problems.append(f"无法识别的法律事件：{_short(term)}")
        elif meaning.event == "transfer":
            problems.append(f"“{_short(term)}”没有日期和权利人，未登记为权利转移")
    events = []
    for i, match in enumerate(starts):
        body = raw[match.end(): starts[i + 1].start() if i + 1 < len(starts) else len(raw)].strip(" ;；|\n")
        try:
            published = parse_date(match.group(1))
        except ValueError:
            problems.append(f"日期无法识别：{_short(match.group(0).strip(' ;；|') + ' ' + body)}")
            continue
        event = _entry(published, body, problems)
        if event is not None:
            events.append(event)
    return EventsReading(raw, tuple(events), tuple(problems))


def _entry(published: dt.date, body: str, problems: list[str]) -> LegalEvent | None:
    first_label = re.search(rf"{_LABELS}\s*[:：]", body)
    name = (body[: first_label.start()] if first_label else body).strip(" ;；,，")
    if not name:
        problems.append(f"{published} 的条目没有事件名称")
        return None
    meaning = meaning_of(name)
    effective, before, after = published, (), ()
    holder_blocks = _holder_blocks(body)
    if holder_blocks:
        before, after = holder_blocks[0]
    for label, value in _FIELD.findall(body):
        if label in ("登记生效日", "生效日"):
            try:
                effective = parse_date(value.strip())
            except ValueError:
                problems.append(f"{published} {name}：登记生效日“{_short(value)}”无法识别，按公告日计")
    return LegalEvent(published, name, meaning, effective, before, after, body)


def _holder_blocks(body: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(before, after) holder lists of each 变更事项 block about the holder (not its address)."""
    blocks = re.split(r"(?=变更事项\s*[:：])", body)
    found = []
    for block in blocks:
        subject = re.match(r"变更事项\s*[:：]\s*(\S+?)(?=\s|变更前|$)", block)
        if subject and "人" not in subject.group(1):  # 地址, 发明人… are not a change of holder
            continue
        if subject and "发明人" in subject.group(1):
            continue
        fields = dict((label[:3], value) for label, value in _FIELD.findall(block) if label.startswith("变更"))
        if "变更后" in fields:
            found.append((_names(fields.get("变更前", "")), _names(fields["变更后"])))
    return found


def _names(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(clean_text(n) for n in _NAME_SPLIT.split(text) if n.strip()))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:40] + "…"


@dataclass(frozen=True)
class TransferPlan:
    record: tuple[LegalEvent, ...]
    problems: tuple[str, ...]
    holders: tuple[str, ...]  # the holders after the recorded events


def plan_transfers(events: list[LegalEvent], holders: tuple[str, ...], latest: dt.date | None) -> TransferPlan:
    """Which transfer entries become ledger events, given the ledger's holders and latest event date.

    The rule: oldest first, an entry is recorded only when it is newer than the latest ledger event (an
    entry on or before it is already history) and it has a 变更后 holder list; its 变更前 list must name
    exactly the holders the ledger shows at that point (a chain that does not start from the ledger is
    not ours to apply). The first entry that breaks the chain stops the rest, reported as a problem."""
    record, problems = [], []
    current = tuple(holders)
    for event in events:
        if latest is not None and event.effective_on <= latest:
            continue
        if not event.after:
            problems.append(f"{event.published_on} {event.name}：没有变更后权利人，未登记")
            continue
        if not event.before:
            problems.append(f"{event.published_on} {event.name}：没有变更前权利人，无法核对登记簿，未登记")
            break
        if set(event.before) != set(current):
            shown = "、".join(current) or "（无）"
            problems.append(f"{event.published_on} {event.name}：变更前权利人{'、'.join(event.before)}与登记簿"
                            f"（{shown}）不符，未登记")
            break
        record.append(event)
        current = event.after
    return TransferPlan(tuple(record), tuple(problems), current)
