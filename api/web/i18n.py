"""Interface text in Simplified Chinese (default) and English; records keep their own language."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from api.messages import FIELD_MESSAGES, field_message  # noqa: F401  (pages import them from here)
from data.anomalies import RULES as ANOMALY_RULES
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
    "matches.strong_medium": ("强匹配 {strong} 件、中匹配 {medium} 件。", "{strong} strong and {medium} medium matches."),
    "matches.weak_hidden": ("另有 {n} 件弱匹配未显示。", "{n} weak matches are hidden."),
    "matches.show_all": ("显示全部", "Show all"),
    "strength.strong": ("强匹配", "Strong match"), "strength.medium": ("中匹配", "Medium match"),
    "strength.weak": ("弱匹配", "Weak match"),
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
    "offer.royalty_rate": ("提成比例（%）", "Royalty (% of sales)"), "offer.per_unit_fee": ("按件（元）",
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
    # patent search and detail for every role (matching/browse.py, matching/patent_detail.py)
    "nav.browse": ("专利检索", "Find patents"), "nav.offers": ("开放许可", "Open licences"),
    "browse.title": ("专利检索", "Find patents"), "browse.scope_own": ("本单位专利", "Our patents"),
    "browse.scope_all": ("全部专利", "All patents"), "browse.cluster": ("产业集群", "Cluster"),
    "browse.effect": ("技术功效", "Technical effect"), "browse.product": ("产品类别", "Product"),
    "browse.field": ("IPC 分类（如 H01M）", "IPC (e.g. H01M)"), "browse.holder": ("权利人", "Holder"),
    "browse.licence": ("可开放许可", "Open licence"), "browse.reset": ("清除筛选", "Clear filters"),
    "offers.title": ("开放许可专利", "Patents under open licence"),
    "offers.none": ("没有符合条件的开放许可。", "No open licence meets these filters."),
    "offers.terms": ("许可条件", "Terms"), "offers.accept": ("接受许可", "Accept"),
    "detail.claim": ("首项权利要求", "First claim"), "detail.ipc": ("IPC 分类", "IPC classification"),
    "detail.main": ("主分类", "main"), "detail.holders": ("权利人", "Holders"),
    "detail.kind": ("类型", "Kind"), "detail.place": ("所在地", "Location"),
    "detail.legal": ("法律状态", "Legal status"), "detail.raw": ("原始记载", "As recorded"),
    "detail.review": ("待核实", "To be checked"), "detail.suspended": ("权利中止", "Right suspended"),
    "detail.fee_paid": ("年费缴至", "Annual fees paid until"), "detail.expires": ("保护期届满", "Term ends"),
    "detail.history": ("权利人变更记录", "Ownership history"),
    "detail.value": ("价值指标", "Value indicators"), "detail.indicator": ("指标", "Indicator"),
    "detail.score": ("得分", "Score"), "detail.meaning": ("含义", "What it means"),
    "detail.evidence": ("记录", "On record"), "detail.unknown": ("未知", "Unknown"),
    "detail.offers": ("开放许可条件", "Open-licence terms"),
    "detail.no_offer": ("这件专利目前没有开放许可；可联系权利人洽谈。",
                        "No open licence now; contact the holder to talk."),
    "detail.tags": ("标引", "Tags"), "detail.sei": ("战略性新兴产业", "Strategic emerging industry"), "detail.similar": ("相似专利", "Similar patents"),
    "detail.similar_none": ("检索索引尚未就绪，暂时无法列出相似专利。",
                            "The search index is not ready; similar patents cannot be listed yet."),
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
    "ent.rd_spending": ("研发投入（元）", "R&D spending (yuan)"), "ent.profit_tax": ("利税总额（元）", "Profit and tax (yuan)"),
    "ent.abnormal_applications": ("非正常申请（件）", "Abnormal applications"),
    "ent.high_tech": ("高新技术企业", "High-tech enterprise"), "ent.specialized": ("专精特新", "Specialised SME"),
    "ent.ip_certified": ("知识产权贯标", "IP management certified"), "ent.dishonest": ("严重失信", "Serious dishonesty"),
    "ent.unknown": ("未填报", "Not reported"), "ent.yes": ("是", "Yes"), "ent.no": ("否", "No"),
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
    # 意向洽谈, notifications and the TTO's pages (issue 22)
    "nav.interests": ("意向洽谈", "Interests"), "nav.notices": ("通知", "Notices"),
    "interest.inbox": ("意向洽谈", "Interests"), "interest.none": ("暂无合作意向。", "No interests yet."),
    "interest.inbox_help_sme": ("本单位就匹配专利提出的合作意向及其答复。", "The interests your organisation sent."),
    "interest.inbox_help_tto": ("企业就本单位专利提出的合作意向，请及时答复。",
                                "Interests in your organisation's patents; please answer them."),
    "interest.inbox_help_operator": ("全部洽谈，等待最久的排在前面。", "Every conversation, the longest waiting first."),
    "interest.need": ("需求", "Need"), "interest.patent": ("专利", "Patent"), "interest.sme": ("企业", "Company"),
    "interest.holder": ("权利人", "Holder"), "interest.status": ("状态", "Status"),
    "interest.age": ("已等待", "Waiting"), "interest.days": ("{n} 天", "{n} days"),
    "interest.last": ("最近动态", "Last activity"), "interest.title": ("合作意向 #{id}", "Interest #{id}"),
    "interest.new": ("提出合作意向", "Express interest"),
    "interest.new_help": ("就本单位的一项开放需求，向专利权人表达合作意向；权利人的技术转移机构会收到通知并答复。",
                          "Tell the holder you are interested in this patent for one of your open needs; its "
                          "tech-transfer office is notified and answers."),
    "interest.patent_number": ("专利申请号", "Application number"), "interest.message": ("意向说明", "Message"),
    "interest.message_help": ("说明想解决的问题、希望的合作方式和时间。", "What you want to solve, how and when."),
    "interest.send": ("发送意向", "Send"), "interest.messages": ("洽谈记录", "Conversation"),
    "interest.answer": ("答复", "Answer"), "interest.accept": ("接受洽谈", "Accept talks"),
    "interest.question_text": ("提问内容", "Question"), "interest.ask": ("提问", "Ask"),
    "interest.reason": ("婉拒理由", "Reason"), "interest.decline": ("婉拒", "Decline"),
    "interest.reply": ("回复", "Reply"), "interest.reply_text": ("回复内容", "Your reply"),
    "interest.send_reply": ("发送回复", "Send"), "interest.withdraw": ("撤回意向", "Withdraw"),
    "interest.record_deal": ("登记成交", "Record the deal"),
    "interest.deal_help": ("交易由权利人 {holder} 向 {sme} 达成，按交易登记的全部规则校验（含权利人登记簿）。",
                           "The deal is from {holder} to {sme}, checked under every deal rule (the ownership "
                           "ledger included)."),
    "interest.deal_recorded": ("已登记交易 #{id}", "Deal #{id} recorded"),
    "interest.express": ("提出合作意向", "Express interest"),
    "interest.action.interest": ("提出意向", "Interest"), "interest.action.message": ("回复", "Reply"),
    "interest.action.question": ("提问", "Question"), "interest.action.accept": ("接受洽谈", "Accepted"),
    "interest.action.decline": ("婉拒", "Declined"), "interest.action.withdraw": ("撤回", "Withdrawn"),
    "interest.action.deal": ("成交", "Deal"),
    "notice.title": ("通知", "Notices"), "notice.unread": ("{n} 条未读", "{n} unread"),
    "notice.read_all": ("全部标为已读", "Mark all read"), "notice.mark_read": ("标为已读", "Mark read"),
    "notice.new": ("未读", "New"), "notice.none": ("暂无通知。", "No notices."),
    "tto.needs_help": ("开放的技术需求；打开需求可查看与本单位专利的匹配。",
                       "Open needs; open one to see how your organisation's patents match it."),
    "tto.own_matches": ("本单位匹配专利", "Your patents that match"),
    "tto.search": ("关键词", "Keywords"),
    "licensees.accepted": ("开放许可被许可人", "Licensees under open licences"),
    "licensees.licensee": ("被许可人", "Licensee"), "licensees.status": ("状态", "Status"),
    "licensees.signed": ("接受日期", "Accepted on"), "licensees.amount": ("许可使用费（元）", "Fee (yuan)"),
    "licensees.received": ("已到账（元）", "Received (yuan)"), "licensees.effective": ("生效日期", "In force from"),
    "licensees.no_accepted": ("还没有企业接受本专利的开放许可。", "No one has taken an open licence yet."),
    "imports.template": ("下载导入模板（XLSX）", "Download a template (XLSX)"),
    "imports.template_help": ("模板含中文表头和一行示例，带 * 的列为必填；请用实际数据替换示例行。",
                              "Chinese headers and one example row; columns marked * are required."),
    "imports.new_patents": ("新增专利", "New patents"),
    # the operator's deal pages: search, pager, edit and cancel (issue 22)
    "deal.open": ("查看", "Open"), "deal.new": ("登记新交易", "Record a new deal"),
    "deal.search": ("查找交易", "Find deals"), "deal.q": ("关键词", "Search"),
    "deal.q_help": ("申请号、单位名称或合同编号", "application number, party or contract number"),
    "deal.all": ("全部", "All"), "deal.year": ("签订年度", "Year signed"), "deal.per_page": ("每页", "Per page"),
    "deal.find": ("查询", "Search"), "deal.clear": ("清除条件", "Clear"),
    "deal.total": ("共 {total} 笔，显示第 {first}–{last} 笔", "{total} deals, showing {first}–{last}"),
    "deal.total_none": ("共 0 笔", "No deals"), "deal.none_found": ("没有符合条件的交易。", "No deal matches."),
    "deal.pages": ("翻页", "Pages"), "deal.numbers_short": ("申请号", "Application numbers"),
    "deal.effective_on": ("生效日期", "Effective on"), "deal.not_effective": ("尚未生效", "Not yet in force"),
    "deal.one": ("交易 #{id}", "Deal #{id}"), "deal.back": ("← 返回交易列表", "← All deals"),
    "deal.missing": ("没有编号为 {id} 的交易。", "No deal {id}."),
    "deal.saved": ("已保存。", "Saved."), "deal.refused": ("未保存：请按标出的提示修改。",
                                                         "Not saved: see the messages next to the fields."),
    "deal.other": ("其他", "Other"), "deal.filing": ("备案状态", "Filing status"),
    "deal.filing_pending": ("待备案", "Pending"), "deal.filing_filed": ("已备案", "Filed"),
    "deal.ends_on": ("到期日期", "Ends on"), "deal.excess_short": ("超额说明", "Why more was received"),
    "deal.edit": ("修改交易", "Edit the deal"),
    "deal.edit_help": ("到账金额只能增加；开放许可付清公告的许可使用费后生效。登记/备案日期不得早于签订日期或晚于今天，"
                       "到账多于合同金额时须写超额说明。其他条款登记后不能修改，如有错误请取消后重新登记。",
                       "The received amount only grows; an open licence takes effect once its fee is paid. The "
                       "registration date lies between signing and today; more received than contracted needs a "
                       "note. Other terms are fixed: cancel and record the deal again to correct them."),
    "deal.save_changes": ("保存修改", "Save changes"), "deal.cancel": ("取消交易", "Cancel the deal"),
    "deal.cancel_help": ("取消后交易仍保留在记录中，但不再计入指标；转让或作价入股的专利退回出让方。此操作不能撤销。",
                         "A cancelled deal stays on record but no longer counts; transferred patents go back to "
                         "the seller. This cannot be undone."),
    "deal.reason": ("取消原因", "Reason for cancelling"),
    "deal.reason_required": ("必填：请写明取消原因，它会记入交易备注和修改记录。",
                             "Required: say why; it is kept in the deal's note and history."),
    "deal.cancel_confirm": ("确认取消交易", "Cancel this deal"),
    "deal.already_cancelled": ("交易 #{id} 已取消。", "Deal {id} is already cancelled."),
    "deal.history": ("修改记录", "History"), "deal.no_history": ("没有修改记录。", "No changes recorded."),
    "deal.audit_create": ("登记", "recorded"), "deal.audit_update": ("修改", "changed"),
    # cancelling a challenge: a confirmation step with a reason (issue 22)
    "challenge.cancel_title": ("确认撤榜", "Cancel the challenge"),
    "challenge.cancel_help": ("撤榜后榜单不再接受揭榜申请，已提交的申请不再处理。此操作不能撤销。",
                              "A cancelled challenge takes no applications and those submitted are not "
                              "considered. This cannot be undone."),
    "challenge.reason": ("撤榜原因", "Reason for cancelling"),
    "challenge.reason_required": ("必填：请写明撤榜原因，它会记入状态记录。",
                                  "Required: say why; it is kept in the state log."),
    "challenge.cancel_confirm": ("确认撤榜", "Cancel the challenge"), "challenge.keep": ("返回，不撤榜", "Go back"),
    "challenge.cannot_cancel": ("该榜单已结束或已撤榜，不能撤榜。", "This challenge is final and cannot be cancelled."),
    "anomalies.why": ("规则说明", "What the rule checks"),
}


# Chinese everywhere (issue 22): anomaly rules by name, import kinds, royalties in percent, the evaluation report,
# the match explanation. Rule names and explanations come from data/anomalies.py so the two cannot drift.
MESSAGES.update({
    "anomalies.status_all": ("全部", "All"), "anomalies.reviewed": ("审查结果", "Review"),
    **{f"anomalies.rule.{code}": (rule.name, code.replace("_", " ")) for code, rule in ANOMALY_RULES.items()},
    **{f"anomalies.rule_help.{code}": (rule.explanation, rule.explanation_en)
       for code, rule in ANOMALY_RULES.items()},
    "imports.kind.orgs": ("单位", "Organisations"), "imports.kind.patents": ("专利", "Patents"),
    "imports.kind.needs": ("技术需求", "Needs"), "imports.kind.transactions": ("交易", "Deals"),
    "imports.kind.offers": ("开放许可声明", "Open-licence offers"),
    "imports.kind.enterprise_years": ("企业年度数据", "Enterprise yearly figures"),
    "imports.kind.product_filings": ("专利产品备案", "Product filings"),
    "imports.kind.implementations": ("专利实施", "Implementations"),
    "offer.royalty_range": ("请填写 0 到 100 之间的百分比，例如 1.5 表示销售额的 1.50%。",
                            "Enter a percentage from 0 to 100; 1.5 means 1.50% of sales."),
    "error.too_large": ("提交的内容过大（上限 {limit}），未保存；请缩短后重新提交。",
                        "The form was too large (limit {limit}) and was not saved; shorten it and submit again."),
    "eval.ranker": ("排序方法", "Ranker"), "eval.baseline": ("对照方法", "Baseline"), "eval.measure": ("指标", "Measure"),
    "eval.delta": ("平均差值", "Mean difference"), "eval.p": ("t 检验 p 值", "t-test p"),
    "eval.wtl": ("胜/平/负（查询数）", "Wins/ties/losses (queries)"), "eval.encoder": ("编码模型", "Encoder"),
    "eval.state.queued": ("排队中", "queued"), "eval.state.running": ("进行中", "running"),
    "eval.state.done": ("已完成", "done"), "eval.state.failed": ("失败", "failed"),
    "eval.measures_help": ("nDCG@10：前 10 条结果的排序质量（越相关的排得越靠前，得分越高）；P@5：前 5 条中相关专利的比例；"
                           "R@10、R@20：前 10、20 条找回的相关专利占全部相关专利的比例；MRR@10：第一条相关结果名次的倒数；"
                           "MAP：各相关专利所在名次上精确率的平均。取值均为 0–1，越高越好。",
                           "nDCG@10: ranking quality of the top 10; P@5: share of relevant patents in the top 5; "
                           "R@10, R@20: share of all relevant patents found in the top 10, 20; MRR@10: 1 / rank of "
                           "the first relevant result; MAP: mean average precision. All 0–1, higher is better."),
    "eval.plot": ("评测图表 {name}", "Evaluation plot {name}"),
    "explain.title": ("为什么推荐这件专利", "Why this patent"), "explain.details": ("详细依据", "Details"),
    "explain.ranks": ("各项特征排名（运营、评测人员可见）", "Feature ranks (operators and evaluators)"),
    "explain.score": ("综合得分", "Score"), "explain.feature": ("特征", "Feature"),
    "explain.rank": ("名次", "Rank"), "explain.value": ("取值", "Value"),
})


# 帮助 (issue 22 item 10): the user guide inside the web interface (api/web/pages_help.py).
MESSAGES.update({
    "nav.help": ("帮助", "Help"), "help.title": ("用户手册", "User guide"),
    "help.missing": ("用户手册中没有这一页。", "The user guide has no such page."),
    "help.page.index": ("总览", "Overview"), "help.page.sme": ("中小企业", "SMEs"),
    "help.page.tto": ("高校技术转移机构", "University TTOs"), "help.page.operator": ("运营人员", "Operators"),
    "help.page.evaluator": ("评估人员", "Evaluators"),
    "help.english": ("用户手册目前只有中文版。", "The user guide is in Chinese only."),
})

MESSAGES.update({  # 专利导航 (api/web/pages_navigation.py)
    "nav.navigation": ("专利导航", "Landscape"), "navigation.title": ("专利导航", "Patent landscape"),
    "navigation.cluster": ("产业集群", "Cluster"), "navigation.holder": ("权利人", "Holder"),
    "navigation.region": ("地区", "Region"), "navigation.from": ("申请日自", "Filed from"),
    "navigation.to": ("至", "to"), "navigation.query": ("技术描述", "Technology"),
    "navigation.subfields": ("技术分支", "Sub-fields"), "navigation.subfields_ipc": ("IPC 主组", "IPC main groups"),
    "navigation.subfields_topics": ("学习主题", "Learned topics"),
    "navigation.note_topics": ("技术分支为学习到的主题（patent-match navigate topics fit，名称由主题词生成）；交易仅计已生效交易；"
                               "点击图中的柱、气泡或矩阵单元格查看对应专利列表。",
                               "Sub-fields are learned topics (patent-match navigate topics fit, named from their terms); "
                               "deals count in-force deals only; click a bar, bubble or matrix cell for its patents."),
    "navigation.scope": ("分析范围：", "Selection: "), "navigation.patents": ("专利数：", "Patents: "),
    "navigation.hits": ("技术检索命中 {n} 件", "{n} retrieval hits"), "navigation.none": ("所选范围内无数据。", "No data."),
    "navigation.note": ("技术分支为主分类号的 IPC 主组；交易仅计已生效交易；点击矩阵单元格、权利人或主组查看对应专利列表。",
                        "Sub-fields are main IPC groups; only deals in force count; cells and rows link to the patents."),
})


MESSAGES.update({  # 项目培育 (api/web/pages_programmes.py)
    "nav.programmes": ("培育项目", "Programmes"), "programmes.title": ("培育项目", "Programmes"),
    "programmes.intro": ("每个项目一份规则文件（JSON）：档次、申报条件和绩效指标逐条写明门槛与政策出处。",
                         "One rules file (JSON) per programme: tiers, eligibility and KPIs, each criterion with its "
                         "threshold and policy source."),
    "programmes.unverified": ("{n} 条标准尚未与政策原文核对，门槛可能是占位值。",
                              "{n} criteria are not yet checked against the policy text; thresholds may be "
                              "placeholders."),
    "programmes.missing": ("没有编号为“{code}”的项目，请从培育项目列表中选择。",
                           "No programme “{code}”; choose one from the programme list."),
    "programmes.tiers": ("档次：", "Tiers: "), "programmes.projects": ("项目：", "Projects: "),
    "programmes.kpis": ("绩效指标：", "KPIs: "), "programmes.file": ("规则文件：", "Rules file: "),
    "programmes.area": ("适用地区：", "Area: "),
    "programmes.no_files": ("没有项目规则文件。", "No programme files."),
    "programmes.year": ("年度", "Year"), "programmes.show": ("查看", "Show"),
    "programmes.export": ("导出 XLSX", "Export XLSX"), "programmes.scope": ("统计范围：", "Scope: "),
    "programmes.sme_note": ("您看到的是本单位的档次、申报资格和所缺条件。", "You see your own organisation's standing and "
                            "what it lacks."),
    "programmes.chart": ("档次与绩效指标逐年变化（虚线为目标）", "Tier and KPIs year on year (dashed: target)"),
    "programmes.criteria_count": ("展开 {n} 条标准的逐项结果", "Show the {n} criterion results"),
    "programmes.none_pool": ("该年度没有企业数据。", "No enterprise data for this year."),
    "programmes.none_criteria": ("该年度没有企业数据。", "No enterprise data for this year."),
    "programmes.none_movements": ("该年度没有企业数据。", "No enterprise data for this year."),
    "programmes.none_close": ("没有只差一项即可达标的单位。", "Nobody is one criterion short."),
    "programmes.none_kpis": ("本项目未设绩效指标，或该年度没有企业数据。", "No KPIs in this programme, or no data."),
    "programmes.bad_year": ("年度须为 {first}–{last} 之间的整数（现为“{value}”）。",
                            "The year must be a whole number from {first} to {last} (got “{value}”)."),
    "programmes.bad_file": ("项目规则文件有误：{error}", "A programme rules file is invalid: {error}"),
})

def translator(lang: str) -> Callable[..., str]:
    index = 1 if lang == "en" else 0

    def t(key: str, **values: object) -> str:
        text = MESSAGES[key][index] if key in MESSAGES else key
        return text.format(**values) if values else text

    return t


def enum_text(value: StrEnum | str | None, lang: str = "zh", kind: str | None = None) -> str:
    """An enum's label in the interface language; plain strings (API bodies carry values) are looked up, in the
    enum named `kind` when given (e.g. "FlagStatus": "open" is also a need's and a licence type's value)."""
    if value is None or value == "":
        return "—"
    if not isinstance(value, StrEnum):
        enums = [enum for enum in LABELS if kind is None or enum.__name__ == kind]
        value = next((member for enum in enums for member in enum if member == value), str(value))
    if lang == "en" or not isinstance(value, StrEnum):
        return str(value).replace("_", " ")
    return label(value)


def royalty_fraction(percent: object) -> str | None:
    """A royalty typed in percent on a form ("1.5") as the API's fraction of sales ("0.015"); the API and the
    database keep fractions, people read and type percentages. Text that is not a number is passed on, so the
    schema reports it."""
    text = str(percent or "").strip().rstrip("%").strip()
    if not text:
        return None
    try:
        return str(Decimal(text) / 100)
    except InvalidOperation:
        return text
