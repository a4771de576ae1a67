"""Interface text in Simplified Chinese (default) and English; records keep their own language."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from data.enums import LABELS, label

LANG_COOKIE = "pm_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    "app.name": ("专利供需对接平台", "Patent–need matching"),
    "nav.home": ("首页", "Home"), "nav.needs": ("技术需求", "Needs"), "nav.new_need": ("发布需求", "Post a need"),
    "nav.patents": ("本单位专利", "Our patents"), "nav.all_patents": ("专利", "Patents"),
    "nav.imports": ("批量导入", "Import"), "nav.challenges": ("揭榜挂帅", "Challenges"),
    "nav.dashboard": ("目标看板", "Targets"), "nav.anomalies": ("异常审查", "Anomalies"),
    "nav.transactions": ("交易登记", "Deals"), "nav.curation": ("匹配标注", "Curation"),
    "nav.eval": ("效果评测", "Evaluation"), "nav.signout": ("退出", "Sign out"),
    "lang.other": ("English", "中文"),
    "role.sme": ("中小企业", "SME"), "role.tto": ("高校技术转移机构", "Tech-transfer office"),
    "role.operator": ("运营中心", "Operations center"), "role.evaluator": ("评测人员", "Evaluator"),
    "role.admin": ("管理员", "Administrator"),
    "signin.title": ("登录", "Sign in"), "signin.key": ("API 密钥", "API key"),
    "signin.help": ("使用 patent-match keys create 生成的密钥登录；演示密钥由 patent-match demo 打印。",
                    "Sign in with a key from `patent-match keys create`; `patent-match demo` prints demo keys."),
    "signin.submit": ("登录", "Sign in"), "signin.invalid": ("密钥无效或已吊销。", "That key is invalid or revoked."),
    "error.title": ("出错了", "Something went wrong"), "error.back": ("返回首页", "Back to home"),
    "error.role": ("您的角色无权访问此页面。", "Your role may not open this page."),
    "error.csrf": ("表单已过期或来源不明，请刷新页面后重试。", "The form expired or did not come from this site; "
                   "reload the page and try again."),
    "error.fields": ("请修改标出的字段。", "Please correct the marked fields."),
    "error.server": ("服务器内部错误，已记录日志。请稍后重试或联系运营中心。",
                     "An internal error occurred and was logged. Try again later or contact the operations center."),
    "error.refused": ("未通过资格审查：", "Not eligible:"),
    "home.title": ("平台概况", "What the platform holds"), "home.sleeping": ("沉睡专利", "Sleeping patents"),
    "home.valid": ("有效专利", "Valid patents"), "home.offers": ("开放许可", "Open licences"),
    "home.needs": ("开放需求", "Open needs"), "home.challenges": ("进行中的揭榜", "Open challenges"),
    "home.deals": ("最近交易", "Recent deals"), "home.none": ("暂无", "None yet"),
    "home.welcome": ("欢迎", "Welcome"),
    "needs.title": ("技术需求", "Technology needs"), "needs.empty": ("还没有需求。", "No needs yet."),
    "need.title": ("标题", "Title"), "need.text": ("需求描述", "Description"), "need.industry": ("所属行业", "Industry"),
    "need.city": ("城市", "City"), "need.province": ("省份", "Province"), "need.budget": ("预算（元）", "Budget (yuan)"),
    "need.deadline": ("期望完成日期", "Deadline"), "need.modes": ("合作方式", "Cooperation"),
    "need.status": ("状态", "Status"), "need.external_id": ("需求编号", "Need number"),
    "need.save": ("保存", "Save"), "need.new": ("发布技术需求", "Post a technology need"),
    "need.edit": ("编辑需求", "Edit need"), "need.text_help": ("用自己的话描述遇到的技术问题和指标。",
                                                          "Describe the technical problem and targets in your words."),
    "matches.title": ("匹配专利", "Matching patents"), "matches.filter": ("筛选", "Filter"),
    "matches.cluster": ("产业集群", "Cluster"), "matches.region": ("地区", "Region"),
    "matches.holder": ("权利人", "Holder"), "matches.sleeping_only": ("仅沉睡专利", "Sleeping only"),
    "matches.licence_available": ("仅可开放许可", "Open licence only"), "matches.none": (
        "没有符合条件的专利，请放宽筛选条件。", "No patent meets these filters; try fewer filters."),
    "matches.score": ("得分", "Score"), "matches.why": ("匹配依据", "Why it matches"),
    "matches.terms": ("共同关键词", "Shared terms"), "matches.ipc": ("IPC 分类", "IPC"),
    "matches.clusters": ("产业集群", "Clusters"), "matches.value": ("价值指数", "Value index"),
    "matches.licence": ("许可条件", "Licence terms"), "matches.effects": ("技术功效", "Technical effects"),
    "matches.basis": ("主要依据", "Main evidence"), "matches.sleeping": ("沉睡", "Sleeping"),
    "matches.accept": ("接受开放许可", "Accept the open licence"), "matches.total": ("共 {n} 件", "{n} in all"),
    "matches.unavailable": ("检索索引尚未就绪：", "The search index is not ready: "),
    "grade.title": ("评价", "Grade"), "grade.2": ("相关", "Relevant"), "grade.1": ("部分相关", "Partly"),
    "grade.0": ("不相关", "Not relevant"), "grade.reason": ("理由（可选）", "Reason (optional)"),
    "grade.save": ("提交评价", "Save grade"), "grade.saved": ("评价已保存。", "Grade saved."),
    "page.prev": ("上一页", "Previous"), "page.next": ("下一页", "Next"),
    "accept.title": ("确认开放许可条件", "Confirm the open-licence terms"),
    "accept.intro": ("以下条件由专利权人事先公布，接受后即按此条件获得普通（非独占）许可。",
                     "The patentee published these terms in advance; accepting grants a non-exclusive licence on "
                     "exactly these terms."),
    "accept.confirm": ("确认接受", "Accept these terms"), "accept.done": ("许可已生效", "Licence granted"),
    "accept.awaiting": ("已接受，待支付许可使用费", "Accepted: awaiting the licence fee"),
    "accept.awaiting_note": ("按公布的支付方式、标准支付许可使用费后许可生效（专利法第五十一条第一款）；专利权人确认收款后，"
                             "状态变为“有效”。",
                             "The licence takes effect once the fee is paid as announced (Patent Law Art. 51 ¶1); "
                             "it shows as in force when the patentee confirms the payment."),
    "accept.on_terms": ("以下条件由专利权人事先公布。接受即书面通知专利权人；按公布的标准支付许可使用费后获得普通（非独占）"
                        "许可，免费或先使用后付费的许可即时生效。",
                        "The patentee published these terms in advance. Accepting notifies the patentee in writing; "
                        "the non-exclusive licence takes effect once the fee is paid as announced, at once when the "
                        "offer is free or pay-later."),
    "accept.status": ("许可状态", "Licence status"), "accept.effective_on": ("生效日期", "Effective on"),
    "accept.filing": ("备案状态", "Filing status"), "accept.withdrawn": ("该许可声明已撤回或已到期。",
                                                                   "This offer was withdrawn or has expired."),
    "offer.fee_type": ("许可使用费标准", "Fee standard"), "offer.lump_sum": ("一次性费用（元）", "Lump sum (yuan)"),
    "offer.royalty_rate": ("提成比例（0–1）", "Royalty rate (0–1)"), "offer.per_unit_fee": ("按件（元）",
                                                                                       "Per unit (yuan)"),
    "offer.payment_method": ("支付方式", "Payment method"), "offer.term_start": ("许可期起", "Term from"),
    "offer.term_end": ("许可期至", "Term until"), "offer.pay_later": ("先使用后付费（月）", "Use first, pay after (months)"),
    "offer.pledgee_consent": ("质权人已同意（质押专利）", "Pledgee consents (pledged patent)"),
    "offer.declare": ("发布开放许可声明", "Declare an open licence"), "offer.withdraw": ("撤回", "Withdraw"),
    "offer.status": ("状态", "Status"), "offer.none": ("尚无许可声明。", "No offers yet."),
    "offer.nonexclusive": ("开放许可均为普通许可（非独占）。", "Open licences are always non-exclusive."),
    "patents.title": ("专利", "Patents"), "patents.search": ("检索标题、申请号或摘要", "Search title, number or abstract"),
    "patents.sleeping": ("仅沉睡专利", "Sleeping only"), "patents.offered": ("已开放许可", "With open licence"),
    "patents.status": ("法律状态", "Legal status"), "patents.any": ("全部", "Any"),
    "patents.none": ("没有符合条件的专利。", "No patent meets these filters."),
    "patents.reason": ("沉睡原因", "Why sleeping"), "patent.holders": ("权利人", "Holders"),
    "patent.number": ("申请号", "Application number"), "patent.abstract": ("摘要", "Abstract"),
    "patent.dates": ("申请日 / 授权日", "Filed / granted"), "patent.licensees": ("潜在被许可企业", "Potential licensees"),
    "patent.needs": ("匹配的需求", "Matching needs"), "patent.offers": ("开放许可声明", "Open-licence offers"),
    "licensees.none": ("暂未找到。", "None found."), "licensees.evidence": ("依据", "Evidence"),
    "imports.title": ("批量导入", "Import a file"), "imports.kind": ("数据类型", "Kind"),
    "imports.file": ("文件（CSV、XLSX 或 JSONL）", "File (CSV, XLSX or JSONL)"), "imports.submit": ("上传", "Upload"),
    "imports.rule": ("全部行通过校验才会写入；任何一行出错则不写入任何数据。",
                     "All rows are written or none: if any row is invalid, nothing is written."),
    "imports.done": ("导入完成：新增 {created}，更新 {updated}。", "Imported: {created} created, {updated} updated."),
    "imports.rejected": ("{bad} / {total} 行有错误，未导入任何数据：", "{bad} of {total} rows are invalid; nothing "
                         "was imported:"),
    "imports.row": ("行", "Row"), "imports.column": ("列", "Column"), "imports.reason": ("原因", "Reason"),
    "imports.choose": ("请选择数据类型和文件。", "Choose a kind and a file."),
    # index freshness (api/freshness.py): what an import scheduled, and what a match could not see yet
    "imports.correct_holders": ("更正权利人（著录项目变更）", "Correct holders (著录项目变更)"),
    "imports.correct_reason": ("更正理由（必填，记入权属台账）", "Reason (required; kept in the ownership ledger)"),
    "imports.reason_required": ("correct_holders：勾选“更正权利人”时必须填写更正理由。",
                                "correct_holders: a holder correction needs a reason."),
    "index.title": ("索引更新", "Index update"), "index.progress": ("查看进度", "See progress"),
    "index.queued": ("索引更新：排队中", "Index update: queued"),
    "index.running": ("索引更新：进行中 {done}/{total}", "Index update: running {done}/{total}"),
    "index.done": ("索引更新：已完成", "Index update: done"),
    "index.failed": ("索引更新：失败（{error}）", "Index update: failed ({error})"),
    "index.none": ("本次导入无需更新索引。", "This import did not need an index update."),
    "index.unknown": ("没有该索引更新任务（服务重启后不再保留）。", "No such index update (not kept across restarts)."),
    "index.lag": ("{missing} 件专利尚未进入索引，{changed} 件专利索引待更新（仍按原文本参与匹配）；索引正在后台更新。",
                  "{missing} patents are not in the search index yet and {changed} are indexed with their earlier "
                  "text (matched on it); the index is being updated."),
    "challenges.title": ("揭榜挂帅", "Challenges (揭榜挂帅)"), "challenges.new": ("发布榜单", "Publish a challenge"),
    "challenges.none": ("暂无榜单。", "No challenges."), "challenge.reward": ("榜单金额（元）", "Reward (yuan)"),
    "challenge.deadline": ("揭榜截止", "Apply by"), "challenge.conditions": ("揭榜条件", "Conditions"),
    "challenge.state": ("状态", "State"), "challenge.need": ("需求", "Need"),
    "challenge.applications": ("揭榜申请", "Applications"), "challenge.apply": ("申请揭榜", "Apply"),
    "challenge.proposal": ("方案", "Proposal"), "challenge.patents": ("相关专利", "Patents"),
    "challenge.shortlist": ("入围", "Shortlist"), "challenge.award": ("确定揭榜方", "Award"),
    "challenge.complete": ("验收完成", "Complete"), "challenge.cancel": ("撤榜", "Cancel"),
    "challenge.note": ("说明", "Note"), "challenge.events": ("状态记录", "State log"),
    "challenge.solvers": ("推荐揭榜团队", "Recommended solver teams"),
    "challenge.show_solvers": ("查看推荐团队", "Show recommended teams"),
    "challenge.no_needs": ("没有可发布为榜单的开放需求。", "No open need can be published as a challenge."),
    "dashboard.title": ("专利转化目标看板", "Patent conversion targets"),
    "dashboard.region": ("地区", "Region"), "dashboard.progress": ("目标完成情况", "Progress against targets"),
    "dashboard.indicator": ("指标", "Indicator"), "dashboard.achieved": ("已完成", "Achieved"),
    "dashboard.target": ("目标", "Target"), "dashboard.share": ("完成率", "Share"),
    "dashboard.years": ("分年度", "By year"), "dashboard.year": ("年度", "Year"),
    "dashboard.growth": ("同比", "YoY"), "dashboard.subsidy": ("补助估算", "Subsidy estimate"),
    "dashboard.by_kind": ("按交易类型", "By kind"), "dashboard.by_university": ("按高校院所", "By university"),
    "dashboard.by_city": ("按城市", "By city"), "dashboard.deals": ("笔数", "Deals"),
    "dashboard.patents": ("专利数", "Patents"), "dashboard.contract": ("合同额（元）", "Contract (yuan)"),
    "dashboard.received": ("到账额（元）", "Received (yuan)"), "dashboard.export": ("导出", "Export"),
    "dashboard.excluded": ("已确认的异常交易不计入。", "Deals confirmed as anomalous are left out."),
    "ind.university_patents": ("高校院所转化专利（件）", "University patents converted"),
    "ind.university_amount": ("高校院所转化金额（元）", "University contract amount"),
    "ind.sme_patents": ("中小企业受让专利（件）", "Patents received by SMEs"),
    "ind.sme_amount": ("中小企业受让金额（元）", "SME contract amount"),
    "ind.smes": ("受益中小企业（家）", "SMEs that benefited"), "ind.pledge_amount": ("质押融资额（元）", "Pledge amount"),
    "ind.pledge_items": ("质押专利（件）", "Pledged patents"),
    "ind.pledge_projects": ("中小企业质押项目（项）", "SME pledge projects"),
    "ind.university_contract": ("高校院所合同额（元）", "University contract (yuan)"),
    "ind.university_received": ("高校院所到账额（元）", "University received (yuan)"),
    "ind.sme_contract": ("中小企业合同额（元）", "SME contract (yuan)"),
    "ind.sme_received": ("中小企业到账额（元）", "SME received (yuan)"),
    "ind.smes_year": ("受益中小企业（家，当年去重）", "SMEs (distinct within the year)"),
    "ind.all_pledge_projects": ("质押项目（项）", "Pledge projects"),
    "ind.all_pledge_amount": ("质押金额（元）", "Pledge amount (yuan)"),
    "ind.sme_pledge_projects": ("中小企业质押项目（项）", "SME pledge projects"),
    "ind.sme_pledge_amount": ("中小企业质押金额（元）", "SME pledge amount (yuan)"),
    "ind.subsidy_estimate": ("补助估算（元）", "Subsidy estimate (yuan)"),
    "dashboard.period": ("{span}累计", "{span} total"),
    "dashboard.units": ("金额单位：元；专利：件；项目：项；企业：家；增幅为比率（0.20 即 20%）。",
                        "Amounts in yuan; patents, projects and companies counted; growth as a fraction."),
    "dashboard.cagr": ("年均增幅（{base}年为基期，复合）", "Average annual growth (compound, base {base})"),
    "dashboard.base": ("基期值", "Base"), "dashboard.last": ("末年值", "Last year"),
    "dashboard.unit": ("单位", "Unit"), "dashboard.growth_target": ("目标", "Target"),
    "dashboard.met": ("达标", "Met"), "dashboard.not_met": ("未达标", "Not met"),
    "dashboard.sme_growth": ("参与中小企业成长（{base}年→{last}年）", "Growth of participating SMEs ({base}→{last})"),
    "dashboard.company": ("企业", "Company"),
    "dashboard.revenue": ("营业收入（元）", "Revenue (yuan)"), "dashboard.employees": ("从业人数（人）", "Employees"),
    "dashboard.with_both": ("共{n}家参与；{r}家两年均有营业收入，{e}家两年均有从业人数。",
                            "{n} SMEs took part; {r} have revenue and {e} have employees for both years."),
    "dashboard.total": ("合计", "Total"),
    "dashboard.implementation": ("专利实施与专利产品备案", "Implementation and patent product filings"),
    "dashboard.impl_patents": ("中小企业受让专利（件，去重）", "Patents SMEs received (distinct)"),
    "dashboard.impl_product": ("已有专利产品备案（件）", "With a product filing"),
    "dashboard.impl_record": ("有实施记录（件）", "With an implementation record"),
    "dashboard.impl_none": ("未实施（件）", "Not implemented"),
    "dashboard.filings": ("专利产品备案（项）", "Product filings"),
    "dashboard.output_value": ("备案产品产值（元）", "Output value (yuan)"),
    "anomalies.title": ("异常转让/许可审查", "Anomaly review"), "anomalies.scan": ("重新扫描", "Scan deals"),
    "anomalies.scanned": ("扫描完成，新增 {n} 条。", "Scan finished: {n} new flags."),
    "anomalies.none": ("没有待审查的标记。", "No flags to review."), "anomalies.rule": ("规则", "Rule"),
    "anomalies.evidence": ("证据", "Evidence"), "anomalies.deal": ("交易", "Deal"),
    "anomalies.comment": ("审查意见（必填）", "Comment (required)"), "anomalies.confirm": ("确认异常", "Confirm"),
    "anomalies.dismiss": ("排除", "Dismiss"), "anomalies.status": ("状态", "Status"),
    "deal.title": ("交易登记", "Record a deal"), "deal.kind": ("类型", "Kind"),
    "deal.numbers": ("申请号（逗号分隔）", "Application numbers (comma-separated)"),
    "deal.from": ("出让方 / 许可人 / 出质人", "From (assignor, licensor, pledgor)"),
    "deal.to": ("受让方 / 被许可人 / 质权人", "To (assignee, licensee, pledgee)"),
    "deal.licence_type": ("许可类型", "Licence type"), "deal.contract": ("合同金额（元）", "Contract amount (yuan)"),
    "deal.received": ("实际到账（元）", "Received (yuan)"), "deal.signed": ("签订日期", "Signed on"),
    "deal.is_sme": ("受让方为中小企业", "Recipient is an SME"), "deal.unknown_org": ("没有这个单位。", "No such "
                                                                                          "organisation."),
    "deal.recorded": ("已登记交易 #{id}。", "Recorded deal #{id}."), "deal.recent": ("最近登记", "Recently recorded"),
    "deal.save": ("登记", "Record"), "deal.external": ("合同编号", "Contract number"), "deal.note": ("备注", "Note"),
    "deal.unknown": ("未知", "unknown"), "deal.yes": ("是", "yes"), "deal.no": ("否", "no"),
    "deal.recorded_on": ("登记/备案日期", "Registered on"), "deal.status": ("状态", "Status"),
    "ledger.title": ("权利人登记簿", "Ownership ledger"), "ledger.today": ("今日权利人", "Holders today"),
    "ledger.effective": ("生效日期", "Effective on"), "ledger.kind": ("事件", "Event"),
    "ledger.holders": ("此后的权利人", "Holders from then on"), "ledger.evidence": ("证明材料", "Evidence"),
    "ledger.reason": ("理由", "Reason"), "ledger.correct": ("更正权利人（著录项目变更）", "Correct the holders"),
    "ledger.correct_help": ("权利人只能通过转让、作价入股或有理由的著录项目变更而变更；更正会记入登记簿。",
                            "Holders change only through transfers, equity deals or a correction with a reason."),
    "ledger.new_holders": ("权利人（多个用逗号分隔）", "Holders (comma-separated)"),
    "ledger.holders_required": ("至少需要一个权利人。", "Name at least one holder."),
    "ledger.save": ("保存更正", "Save the correction"), "ledger.link": ("权利人登记簿", "Ownership ledger"),
    "deal.excess_note": ("超额说明（到账多于合同金额时必填）", "Why more was received than contracted"),
    "curation.title": ("匹配标注", "Match curation"), "curation.saved": ("已保存 {n} 条评价。", "Saved {n} grades."),
    "curation.help": ("为每条匹配选择评价，留空的不提交。", "Grade each match; blanks are not submitted."),
    "curation.none": ("没有开放需求。", "No open needs."),
    "eval.title": ("效果评测", "Evaluation"), "eval.dataset": ("评测集", "Judged set"),
    "eval.rankers": ("排序方法", "Rankers"), "eval.run": ("开始评测", "Run"),
    "eval.none": ("未找到评测集。请把 BEIR 格式的评测集放到 {dir}（或设置 PATENT_MATCH_EVAL_SETS）。",
                  "No judged sets found. Put BEIR-layout sets in {dir} (or set PATENT_MATCH_EVAL_SETS)."),
    "eval.slow": ("首次评测需要为语料生成向量，可能需要数分钟；之后使用缓存。",
                  "The first run embeds the set's corpus and may take minutes; later runs use the cache."),
    "eval.reports": ("评测报告", "Reports"), "eval.state": ("状态", "State"),
    "eval.running": ("评测进行中，本页会自动刷新。", "Running; this page refreshes itself."),
    "eval.failed": ("评测失败：", "The run failed: "), "eval.choose": ("请选择评测集和至少一种排序方法。",
                                                                  "Choose a judged set and at least one ranker."),
    "eval.best": ("最佳", "Best"), "eval.queries": ("查询数", "Queries"), "eval.comparisons": ("配对比较", "Paired "
                                                                                                "comparisons"),
    "nav.enterprise": ("企业数据与实施", "Enterprise records"),
    "ent.title": ("企业经营数据、专利产品备案与专利实施", "Enterprise figures, product filings and implementations"),
    "ent.figures": ("企业年度数据", "Yearly figures"), "ent.filings": ("专利产品备案", "Product filings"),
    "ent.implementations": ("专利实施", "Implementations"),
    "ent.figures_help": ("参与专利转化的中小企业每年的营业收入和从业人数（国家绩效评价指标三）。同一单位同一年度再次填报即更新。",
                         "Revenue and employees of the SMEs that took part, per year (national indicator 3). "
                         "Entering a year again updates it."),
    "ent.filings_help": ("专利产品备案：产品、所含专利、备案日期和产值（国家绩效评价指标四）。同一备案编号再次填报即更新。",
                         "Patented products: the product, its patents, filing date and output value (national "
                         "indicator 4). Entering a filing number again updates it."),
    "ent.implementations_help": ("专利实施情况（国家绩效评价指标四）。自行实施须由实施开始之日的专利权人进行。",
                                 "Patents put to use (national indicator 4). A self-implementation must be by a "
                                 "holder of the patent on its start date."),
    "ent.saved": ("已保存。", "Saved."), "ent.organization": ("单位名称", "Organisation"),
    "ent.year": ("年度", "Year"), "ent.revenue": ("营业收入（元）", "Revenue (yuan)"),
    "ent.employees": ("从业人数（人）", "Employees"), "ent.source": ("数据来源", "Source"),
    "ent.external_id": ("备案编号", "Filing number"), "ent.product": ("产品名称", "Product"),
    "ent.numbers": ("专利申请号（逗号分隔）", "Application numbers (comma-separated)"),
    "ent.filed_on": ("备案日期", "Filed on"), "ent.output_value": ("产值（元）", "Output value (yuan)"),
    "ent.output_year": ("产值年度", "Output year"), "ent.number": ("申请号", "Application number"),
    "ent.implementer": ("实施单位", "Implemented by"), "ent.self_implemented": ("是否自行实施", "Self-implemented"),
    "ent.started_on": ("开始日期", "Started on"), "ent.ended_on": ("结束日期", "Ended on"),
    "ent.evidence": ("证明材料", "Evidence"), "ent.evidence_help": ("如产品说明、生产记录、销售合同的名称或编号。",
                                                                "e.g. the name or number of a product sheet, "
                                                                "production record or sales contract."),
    "common.actions": ("操作", "Actions"), "common.edit": ("编辑", "Edit"), "common.view": ("查看", "View"),
    "common.search": ("查询", "Search"), "common.none": ("无", "None"), "common.yes": ("是", "Yes"),
}


def translator(lang: str) -> Callable[..., str]:
    index = 1 if lang == "en" else 0

    def t(key: str, **values: object) -> str:
        text = MESSAGES[key][index] if key in MESSAGES else key
        return text.format(**values) if values else text

    return t


def enum_text(value: StrEnum | str | None, lang: str = "zh") -> str:
    """An enum's label in the interface language; plain strings (API bodies carry values) are looked up."""
    if value is None:
        return "—"
    if not isinstance(value, StrEnum):
        value = next((member for members in LABELS.values() for member in members.values() if member == value),
                     str(value))
    if lang == "en" or not isinstance(value, StrEnum):
        return str(value).replace("_", " ")
    return label(value)


FIELD_MESSAGES = {  # pydantic error types → what to tell a person
    "missing": ("必填。", "Required."),
    "string_too_short": ("不能为空。", "May not be empty."),
    "string_too_long": ("太长了。", "Too long."),
    "date_from_datetime_parsing": ("日期格式应为 2026-12-31。", "Use a date like 2026-12-31."),
    "date_parsing": ("日期格式应为 2026-12-31。", "Use a date like 2026-12-31."),
    "decimal_parsing": ("请输入数字。", "Enter a number."),
    "int_parsing": ("请输入整数。", "Enter a whole number."),
    "greater_than": ("必须大于 {gt}。", "Must be more than {gt}."),
    "greater_than_equal": ("不能小于 {ge}。", "Must be at least {ge}."),
    "less_than_equal": ("不能大于 {le}。", "Must be at most {le}."),
    "enum": ("请从列表中选择。", "Choose from the list."),
}


def field_message(error: dict, lang: str) -> str:
    known = FIELD_MESSAGES.get(str(error.get("type", "")))
    if known is None:
        return str(error.get("msg", ""))
    return known[1 if lang == "en" else 0].format(**(error.get("ctx") or {}))
