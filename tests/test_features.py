from __future__ import annotations

import pytest

from data.enums import CooperationMode, OrgKind
from matching.explain import LicenceTerms
from matching.features import (
    NeedProfile,
    PatentProfile,
    cluster_agreement,
    cooperation_fit,
    ipc_agreement,
    licence_fit,
    policy_features,
    rank_feature,
    region_fit,
)


def offer(fee_type: str = "lump_sum", lump_sum: float | None = 80_000.0, pay_later: int | None = None) -> LicenceTerms:
    return LicenceTerms(1, fee_type, lump_sum, None, None, pay_later, "2030-01-01")


def test_rank_feature_is_the_rrf_term():
    assert rank_feature(1) == pytest.approx(60 / 61) and rank_feature(None) == 0.0
    assert rank_feature(1) > rank_feature(2) > rank_feature(200) > 0


def test_ipc_agreement_is_hierarchical():
    need = (("H01M", 0.8), ("H02J", 0.2))
    assert ipc_agreement(need, PatentProfile("a", ipc_codes=("H01M 10/44",))) == pytest.approx(0.8 + 0.2 * 0.2)
    assert ipc_agreement(need, PatentProfile("b", ipc_codes=("H01B 1/00",))) == pytest.approx(0.8 * 0.5 + 0.2 * 0.2)
    assert ipc_agreement(need, PatentProfile("c", ipc_codes=("H04L 9/00",))) == pytest.approx(0.2)  # section H
    assert ipc_agreement(need, PatentProfile("d", ipc_codes=("A61K 9/00",))) == 0.0
    # Without given codes the patent's inferred distribution counts, weighted by its shares.
    inferred = PatentProfile("e", ipc_inferred=(("H01M", 0.5), ("C01B", 0.5)))
    assert ipc_agreement(need, inferred) == pytest.approx(0.8 * 0.5 + 0.2 * 0.5 * 0.2)
    assert ipc_agreement((), PatentProfile("f", ipc_codes=("H01M 10/44",))) == 0.0
    assert ipc_agreement(need, PatentProfile("g")) == 0.0


def test_group_codes_agree_at_main_group_level():
    patent = PatentProfile("a", ipc_codes=("H01M 10/0525",))
    assert ipc_agreement((("H01M 10/44", 1.0),), patent) == 1.0  # same main group H01M 10


def test_cluster_agreement_takes_the_shared_cluster_confidence():
    need = NeedProfile("x", clusters={"集成电路": 0.4, "新型显示": 0.9})
    assert cluster_agreement(need, PatentProfile("a", clusters=("新型显示", "集成电路"))) == 0.9
    assert cluster_agreement(need, PatentProfile("b", clusters=("工程机械",))) == 0.0


def test_licence_fit_against_budget():
    assert licence_fit(None, 1e6) == 0.0
    assert licence_fit(offer(), 1_000_000) == 1.0
    assert licence_fit(offer(lump_sum=2_000_000.0), 1_000_000) == 0.0
    assert licence_fit(offer(lump_sum=2_000_000.0, pay_later=12), 1_000_000) == 1.0  # 先使用后付费
    assert licence_fit(offer("free", None), None) == 1.0
    assert licence_fit(offer("royalty", None), 1_000_000) == 0.5  # not comparable with a lump budget
    assert licence_fit(offer(), None) == 0.5  # no budget stated


def test_cooperation_fit():
    university = PatentProfile("a", holder_kinds=frozenset({OrgKind.UNIVERSITY}))
    company = PatentProfile("b", holder_kinds=frozenset({OrgKind.SME}), offer=offer())
    assert cooperation_fit(frozenset({CooperationMode.TRANSFER}), university) == 1.0
    assert cooperation_fit(frozenset({CooperationMode.LICENSE}), university) == 0.0  # no open offer
    assert cooperation_fit(frozenset({CooperationMode.LICENSE}), company) == 1.0
    assert cooperation_fit(frozenset({CooperationMode.JOINT_DEVELOPMENT}), company) == 0.0
    assert cooperation_fit(frozenset(), university) == 0.0


def test_region_fit():
    places = (("南京市", "江苏省"),)
    assert region_fit("南京", "江苏", places) == 1.0
    assert region_fit("常州", "江苏省", places) == 0.6
    assert region_fit("杭州", "浙江", places) == 0.3
    assert region_fit("北京", "北京", places) == 0.0
    assert region_fit(None, None, places) == 0.0 and region_fit("南京", "江苏", ((None, None),)) == 0.0


def test_unknowns_are_neutral():
    features = policy_features(NeedProfile("x"), PatentProfile("a"))
    assert set(features.values()) == {0.0}
