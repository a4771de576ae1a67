"""The one catalogue of API refusals, in Chinese (the default) and English.

Every error answer is rendered in the caller's language by `install(app)`: the Accept-Language header for
the API (`zh` unless English is preferred), the interface language (cookie `pm_lang`) for the /ui pages.

How a route refuses (new code):

    from api.messages import Refused, msg
    raise Refused(404, "need.missing", need_id=need_id)        # an HTTPException; detail rendered per request
    raise invalid("body.term_end", msg("offer.term"))          # a 422 message, localised on the way out
    raise FieldConflict({"external_id": msg("need.external_exists", external_id=x)}, ...)

Add the key to MESSAGES below with both texts; `{field}` placeholders are filled from the keyword arguments. A
field named like an enum in FIELD_ENUMS (role, roles, state, states, flag_status, fee_type) is shown by its
Chinese label in Chinese. Older routes raise the literal text (English or Chinese) of an entry: `localize`
recognises either language's text of any entry, with its fields, and renders it in the wanted one, so they
are translated without a rewrite. Text the catalogue does not know passes through unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from enum import StrEnum
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from data.enums import ChallengeState, FeeType, FlagStatus, Role, label

LANG_COOKIE = "pm_lang"  # the web interface's language (api/web/i18n.py reads the same cookie)

MESSAGES: dict[str, tuple[str, str]] = {
    # keys, roles and organisations
    "auth.key_required": ("需要有效的 API 密钥（请求头 Authorization: Bearer …）",
                          "a valid API key is required (Authorization: Bearer …)"),
    "auth.role": ("{role}角色无权执行此操作；允许的角色：{roles}", "role {role} may not do this; allowed: {roles}"),
    "auth.org_key": ("此操作代表单位进行，请使用以 --org 创建的密钥",
                     "this action is taken for an organisation; use a key created with --org"),
    "org.missing": ("没有编号为 {org_id} 的单位", "no organisation {org_id}"),
    "record.missing": ("没有编号为 {value} 的记录", "no record numbered {value}"),
    "field.not_null": ("不能为空", "may not be null"),
    "date.past": ("不能早于今天", "must not be in the past"),
    # needs and matches
    "need.missing": ("没有编号为 {need_id} 的需求", "no need {need_id}"),
    "need.role": ("{role}角色不能修改需求", "role {role} may not change needs"),
    "need.own_org": ("中小企业只能为本单位发布需求", "an SME posts needs for its own organisation only"),
    "need.org_required": ("运营人员发布需求须指明单位（organization_id）", "required for operators"),
    "need.external_exists": ("需求编号 {external_id} 已存在（external_id）", "body.external_id: need {external_id} "
                                                                      "already exists"),
    "need.has_interests": ("需求 {need_id} 有合作意向 {interests}，不能删除；请将其关闭（PATCH status=closed）",
                           "need {need_id} has interests {interests}; close it (PATCH status=closed) instead of "
                           "deleting it"),
    "need.has_deals": ("需求 {need_id} 是已登记交易的来源，不能删除；请将其关闭（PATCH status=closed）",
                       "need {need_id} is the source of recorded deals; close it (PATCH status=closed) instead of "
                       "deleting it"),
    "patent.missing": ("没有申请号为 {number} 的专利", "no patent {number}"),
    "patents.missing": ("没有这些专利：{numbers}", "no such patents: {numbers}"),
    "patents.tto_own": ("高校技术转移机构只能管理本单位的专利", "a TTO manages its own organisation's patents only"),
    "match.licensees_own": ("高校技术转移机构只能查看本单位专利的潜在被许可企业",
                            "a TTO sees licensees for its own organisation's patents only"),
    "match.id": ("匹配编号格式应为 <需求编号>:<申请号>，例如 12:201710483362.4",
                 "expected <need id>:<application number>, e.g. 12:201710483362.4"),
    "index.not_ready": ("检索索引尚未就绪：{reason}", "the search index is not ready: {reason}"),
    "index.no_job": ("本进程中没有索引更新任务 {job}（服务重启后不再保留）",
                     "no index update job {job} in this process"),
    # open licences
    "offer.own_org": ("高校技术转移机构只能管理本单位专利的开放许可声明",
                      "a TTO manages offers for its own organisation's patents only"),
    "offer.fee_required": ("许可使用费标准为“{fee_type}”时必填", "required for fee_type {fee_type}"),
    "offer.term": ("许可期至（term_end）须晚于许可期起（term_start）", "must be after term_start"),
    "offer.missing": ("没有编号为 {offer_id} 的开放许可声明", "no offer {offer_id}"),
    "offer.withdrawn": ("开放许可声明 {offer_id} 已撤回", "offer {offer_id} was already withdrawn"),
    "licence.missing": ("没有编号为 {transaction_id} 的开放许可", "no open licence {transaction_id}"),
    "licence.own": ("高校技术转移机构只能确认本单位许可的付款", "a TTO confirms payments for its own licences only"),
    # deals, anomalies, enterprise records
    "deal.idempotency": ("该 Idempotency-Key 已用于另一项不同的请求",
                         "Idempotency-Key was used for a different request"),
    "deal.missing": ("没有编号为 {deal_id} 的交易", "no deal {deal_id}"),
    "deal.received_up": ("到账金额只能增加（现为 {old} 元）", "the received amount can only grow (now {old} yuan)"),
    "flag.missing": ("没有编号为 {flag_id} 的异常标记", "no flag {flag_id}"),
    "flag.reviewed": ("异常标记 {flag_id} 已审查（{flag_status}）", "flag {flag_id} was already {flag_status}"),
    "related.two_orgs": ("须为两个不同且已登记的单位", "two different, existing organisations"),
    "ent.own_records": ("{role}密钥只能为本单位填报", "a {role} key enters records for its own organisation only"),
    "ent.own_read": ("{role}密钥只能查看本单位的记录", "a {role} key reads its own organisation's records only"),
    "ent.own_impl": ("{role}密钥只能登记本单位专利的实施",
                     "a {role} key records implementations of its own organisation's patents only"),
    "ent.own_impl_update": ("{role}密钥只能修改本单位的实施记录",
                            "a {role} key updates its own organisation's implementation records only"),
    # challenges (揭榜挂帅; data/challenges.py raises the English text)
    "challenge.missing": ("没有编号为 {challenge_id} 的榜单", "no challenge {challenge_id}"),
    "challenge.manager": ("只有发榜方或运营人员可以管理榜单", "only the publisher or an operator manages a challenge"),
    "challenge.exists": ("需求 {need_id} 已发布为榜单 {challenge_id}",
                         "need {need_id} is already challenge {challenge_id}"),
    "challenge.log": ("状态记录仅对发榜方、运营人员和评测人员开放",
                      "the log is for the publisher, operators and evaluators"),
    "challenge.transition": ("“{state}”的榜单不能变为“{to_state}”；可变为：{states}",
                             "a {state} challenge cannot become {to_state}; allowed: {states}"),
    "challenge.not_published": ("榜单发布期间才接受揭榜申请；当前状态为“{state}”",
                                "applications are taken while the challenge is published; it is {state}"),
    "challenge.deadline": ("揭榜截止日期 {deadline} 已过", "the deadline {deadline} has passed"),
    "challenge.solvers": ("只有高校和科研院所可以揭榜", "only universities and research institutes apply (揭榜)"),
    "challenge.applied": ("{team} 已申请揭榜", "{team} has already applied"),
    "challenge.shortlist": ("入围名单只能包含本榜单的申请：{ids}",
                            "shortlist names applications of this challenge: {ids}"),
    "challenge.not_shortlisted": ("申请 {application_id} 不在本榜单的入围名单上",
                                  "application {application_id} is not on this challenge's shortlist"),
    # 意向洽谈 (data/interests.py raises these in Chinese) and organisations
    "org.missing_or_hidden": ("没有编号为 {org_id} 的单位，或您无权查看",
                              "no organisation {org_id}, or you may not see it"),
    "interest.missing": ("没有编号为 {interest_id} 的合作意向", "no interest {interest_id}"),
    "interest.sme_only": ("只有中小企业可以就自己的需求提出合作意向",
                          "only an SME expresses interest, for its own needs"),
    "interest.own_need": ("没有编号为 {need_id} 的本单位需求", "your organisation has no need {need_id}"),
    "interest.need_closed": ("需求 {need_id} 已不是开放状态，不能再提出合作意向",
                             "need {need_id} is no longer open; no interest can be expressed for it"),
    "interest.no_holder": ("专利 {number} 没有登记权利人", "patent {number} has no recorded holder"),
    "interest.tto_only": ("只有专利权人的技术转移机构可以答复合作意向",
                          "only the holder's tech-transfer office answers an interest"),
    "interest.sme_reply": ("只有提出意向的企业可以回复或撤回", "only the enterprise that sent it replies or withdraws"),
    "interest.talking": ("合作意向 #{interest_id} 已在洽谈中", "interest #{interest_id} is already in talks"),
    "interest.operator_deal": ("只有运营人员可以登记洽谈达成的交易", "only an operator records the deal talks led to"),
    # rules of data/ that refuse in Chinese, so English callers read them too
    "deal.same_party": ("交易双方不能是同一单位", "the two parties may not be the same organisation"),
    "deal.licence_type_only": ("只有许可交易才有许可类型", "only a licence has a licence type"),
    "ledger.reason": ("更正权利人须写明理由（著录项目变更的依据）", "a correction of the holders needs a reason"),
    "ledger.holders": ("至少需要一个权利人", "name at least one holder"),
    "ledger.future": ("生效日期 {day} 晚于今天（{today}）", "the effective date {day} is after today ({today})"),
    "payment.future": ("付款日期 {day} 晚于今天（{today}）", "the payment date {day} is after today ({today})"),
    "payment.grows": ("到账累计金额只能增加：已登记 {amount} 元",
                      "the total received can only grow: {amount} yuan so far"),
    "filing.one_patent": ("专利申请号：至少填写一件专利", "application numbers: name at least one patent"),
    # the evaluation pages, the database, the server
    "eval.no_report": ("没有评测报告 {name}", "no report {name}"),
    "eval.no_plot": ("没有图表 {plot}", "no plot {plot}"),
    "db.conflict": ("与已存储的数据冲突（已有相同记录，或引用的记录不存在）",
                    "conflicts with stored data (a record like this exists, or a reference is missing)"),
    "db.conflict_rule": ("与已存储的数据冲突（已有相同记录，或引用的记录不存在）：{rule}",
                         "conflicts with stored data (a record like this exists, or a reference is missing): {rule}"),
    "server.error": ("服务器内部错误，已记录日志", "internal error; see the server log"),
}

# Schema errors FastAPI reports by pydantic's error type → what to tell a person (the web form shows them too).
FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("必填。", "Required."),
    "string_too_short": ("不能为空。", "May not be empty."),
    "string_too_long": ("太长了：最多 {max_length} 字，请缩短后重新提交。",
                        "Too long: at most {max_length} characters."),
    "date_from_datetime_parsing": ("日期格式应为 2026-12-31。", "Use a date like 2026-12-31."),
    "date_parsing": ("日期格式应为 2026-12-31。", "Use a date like 2026-12-31."),
    "decimal_parsing": ("请输入数字。", "Enter a number."),
    "finite_number": ("请输入有限的数字（不能是 NaN 或无穷大）。", "Enter a finite number (not NaN or infinity)."),
    "control_character": ("不能含有控制字符（如 NUL）。", "May not contain control characters such as NUL."),
    "int_parsing": ("请输入整数。", "Enter a whole number."),
    "greater_than": ("必须大于 {gt}。", "Must be more than {gt}."),
    "greater_than_equal": ("不能小于 {ge}。", "Must be at least {ge}."),
    "less_than_equal": ("不能大于 {le}。", "Must be at most {le}."),
    "enum": ("请从列表中选择。", "Choose from the list."),
}

# Fields whose values are enum values: shown by their Chinese label in Chinese ("sme, admin" → "中小企业、管理员").
FIELD_ENUMS: dict[str, type[StrEnum]] = {"role": Role, "roles": Role, "state": ChallengeState,
                                         "to_state": ChallengeState, "states": ChallengeState,
                                         "flag_status": FlagStatus, "fee_type": FeeType}


def msg(key: str, lang: str = "zh", **fields: object) -> str:
    """The message `key` in `lang` ("zh" or "en"), its placeholders filled from `fields`."""
    zh, en = MESSAGES[key]
    if lang == "en":
        return en.format(**{name: _plain(value) for name, value in fields.items()})
    return zh.format(**{name: _chinese(name, value) for name, value in fields.items()})


class Refused(HTTPException):
    """An HTTPException from the catalogue: `detail` is the Chinese text; install() renders it per request."""

    def __init__(self, status_code: int, key: str, headers: dict[str, str] | None = None, **fields: object) -> None:
        super().__init__(status_code, msg(key, **fields), headers=headers)
        self.key, self.values = key, fields


def _plain(value: object) -> str:
    return value.value if isinstance(value, StrEnum) else str(value)


def _chinese(name: str, value: object) -> str:
    enum = FIELD_ENUMS.get(name)
    if enum is None:
        return _plain(value)
    shown = []
    for part in re.split(r",\s*", _plain(value)):
        try:
            shown.append(label(enum(part.strip())))
        except ValueError:
            shown.append(part)
    return "、".join(shown)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each entry's text in either language as a pattern, most literal text first (so the specific wins)."""
    found = []
    for key, texts in MESSAGES.items():
        for text in texts:
            parts = re.split(r"\{(\w+)\}", text)
            literal = "".join(parts[0::2])
            regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
            found.append((len(literal), re.compile(f"^{regex}$", re.S), key))
    return [(pattern, key) for _, pattern, key in sorted(found, key=lambda item: -item[0])]


def localize(text: str, lang: str = "zh") -> str:
    """`text` in `lang` when it is (parts of) a catalogue message in either language; otherwise unchanged.
    A FieldConflict's "field：message；field：message" is translated part by part."""
    whole = _one(text, lang)
    if whole is not None or "；" not in text and "：" not in text:
        return whole if whole is not None else text
    parts = []
    for part in text.split("；"):
        head, colon, rest = part.partition("：")
        if colon and re.fullmatch(r"[\w.]+", head):  # "field：message"
            parts.append(f"{head}：{_one(rest, lang) or rest}")
        else:
            parts.append(_one(part, lang) or part)
    return "；".join(parts)


def _one(text: str, lang: str) -> str | None:
    for pattern, key in _patterns():
        found = pattern.match(text.strip())
        if found:
            return msg(key, lang, **{name: _value(name, value) for name, value in found.groupdict().items()})
    return None


def _value(name: str, value: str) -> str:
    """A field value read back from Chinese text is a label: the enum value, so either language renders it."""
    enum = FIELD_ENUMS.get(name)
    if enum is None:
        return value
    members = []
    for part in re.split(r"、|,\s*", value):
        member = next((m for m in enum if label(m) == part or m.value == part), None)
        members.append(member.value if member else part)
    return ", ".join(members)


def field_message(error: dict, lang: str) -> str:
    """One validation error's message for a person: pydantic's own types from FIELD_MESSAGES, ours localised."""
    known = FIELD_MESSAGES.get(str(error.get("type", "")))
    if known is None:
        return localize(str(error.get("msg", "")), lang)
    return known[1 if lang == "en" else 0].format(**(error.get("ctx") or {}))


def request_language(request: Request) -> str:
    """"en" or "zh": the interface cookie on /ui pages; elsewhere the Accept-Language header, Chinese by default."""
    if request.url.path == "/ui" or request.url.path.startswith("/ui/"):
        return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"
    return accepted_language(request.headers.get("accept-language", ""))


def accepted_language(header: str) -> str:
    """The preferred of zh and en in an Accept-Language header ("en-GB,en;q=0.9" → en); zh when neither is named."""
    ranked = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, number = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(number)
                except ValueError:
                    weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("zh", "en") and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else "zh"


Handler = Callable[[Request, Any], Any]


def install(app: FastAPI) -> None:
    """Wrap the app's error handlers (FastAPI's, and the web interface's pages) so every refusal's detail is
    in the request's language. Call once, after the other handlers are registered."""
    handlers = app.exception_handlers
    http = handlers.get(StarletteHTTPException, http_exception_handler)
    validation = handlers.get(RequestValidationError, request_validation_exception_handler)

    async def localized_http(request: Request, exc: StarletteHTTPException) -> Any:
        if isinstance(exc.detail, str):
            lang = request_language(request)
            if isinstance(exc, Refused):
                text = msg(exc.key, lang, **exc.values)
            else:
                text = localize(exc.detail, lang)
            fields = getattr(exc, "fields", None)
            copy = StarletteHTTPException(exc.status_code, text, headers=exc.headers)
            if fields is not None:
                copy.fields = {name: localize(value, lang) for name, value in fields.items()}  # type: ignore[attr-defined]
            exc = copy
        return await _call(http, request, exc)

    async def localized_validation(request: Request, exc: RequestValidationError) -> Any:
        lang = request_language(request)
        errors = [error | {"msg": field_message(error, lang)} for error in exc.errors()]
        return await _call(validation, request, RequestValidationError(errors, body=exc.body))

    handlers[StarletteHTTPException] = localized_http
    handlers[RequestValidationError] = localized_validation
    server = handlers.get(Exception)
    if server is not None:  # the 500 answer's detail

        async def localized_server(request: Request, exc: Exception) -> Any:
            result = await _call(server, request, exc)
            if isinstance(result, JSONResponse):
                body = json.loads(bytes(result.body))
                if isinstance(body, dict) and isinstance(body.get("detail"), str):
                    body["detail"] = localize(body["detail"], request_language(request))
                    return JSONResponse(body, status_code=result.status_code)
            return result

        handlers[Exception] = localized_server


async def _call(handler: Handler, request: Request, exc: Exception) -> Any:
    result = handler(request, exc)
    if isinstance(result, Awaitable):
        result = await result
    return result
