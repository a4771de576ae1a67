from __future__ import annotations

from matching.query import drop_commercial_terms, prepare_query


def test_short_commercial_sentences_are_dropped():
    need = "高温炉用金属材料。炉内构件寿命不足3个月。预算80万元，可接受技术转让或合作开发。"
    assert drop_commercial_terms(need) == "高温炉用金属材料。炉内构件寿命不足3个月。"
    assert prepare_query("光伏逆变器损耗高。合作方式为技术许可，预算50万元。") == "光伏逆变器损耗高。"


def test_technical_sentences_that_mention_such_words_are_kept():
    long_sentence = "希望建设软件许可证管理平台，统计每台设备的授权与到期情况，并与采购系统和资产台账自动对接，减少人工核对工作量。"
    assert drop_commercial_terms(long_sentence) == long_sentence
    assert drop_commercial_terms("预算50万元。") == "预算50万元。"  # nothing else left: keep the text
