from __future__ import annotations

import pytest

from matching.clusters import cluster_map
from matching.industries import broader_codes, industries_for_ipc, sei_names


def test_broader_codes_walk_up_to_the_subclass():
    assert broader_codes("H01M 10/0525") == ["H01M 10/0525", "H01M 10/052", "H01M 10/05", "H01M 10/00", "H01M"]
    assert broader_codes("G06F") == ["G06F"]


def test_the_2021_concordance_is_carried_with_all_forty_industries():
    assert len(sei_names()) == 40
    assert sei_names()["6.3"] == "太阳能产业"
    (hit,) = industries_for_ipc("H01M 10/0525")
    assert (hit.sei_code, hit.matched_ipc) == ("5.2", "H01M 10/0525")


def test_an_unlisted_subgroup_falls_back_to_its_group():
    hits = industries_for_ipc("H02S 40/10")
    assert hits and all(h.matched_ipc in broader_codes("H02S 40/10") for h in hits)


@pytest.mark.parametrize("code, cluster, route", [
    ("E02F 9/22", "工程机械", "IPC E02F"),  # team prefix wins over the broader SEI route
    ("D06M 15/643", "高端纺织", "IPC D06"),
    ("H01L 29/78", "集成电路", "IPC H01L"),  # the 2021 table has no H01L rows
    ("H02S 40/10", "新型电力(新能源)装备", "IPC H02S"),
])
def test_first_cluster_of_a_code(code, cluster, route):
    tag = cluster_map().tags_for_ipc(code)[0]
    assert (tag.cluster, tag.route, tag.ipc) == (cluster, route, code)


def test_every_one_of_jiangsus_thirteen_clusters_is_reachable():
    assert len(cluster_map().clusters) == 13


def test_a_patent_lists_each_cluster_once_main_code_first():
    tags = cluster_map().tags_for_patent(["H01M 10/0565", "H01M 10/0525"])
    names = [t.cluster for t in tags]
    assert names[0] == "前沿新材料" and "汽车及零部件" in names and len(names) == len(set(names))


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown cluster scheme"):
        cluster_map("atlantis")


def test_zhejiangs_ten_flagship_chains_are_reachable():
    chains = cluster_map("zhejiang")
    assert len(chains.clusters) == 10
    assert chains.tags_for_ipc("H04N 7/183")[0].cluster == "数字安防"  # an IPC-prefix row
    assert chains.tags_for_ipc("H01M 10/0525")[0].cluster == "节能与新能源汽车"


@pytest.mark.parametrize("scheme", ["jiangsu", "zhejiang"])
def test_every_industry_word_leads_to_a_known_cluster(scheme):
    clusters = cluster_map(scheme)
    assert clusters.by_industry_word and all(c in clusters.clusters for _, c in clusters.by_industry_word)


def test_a_declared_industry_names_its_clusters():
    tags = cluster_map().tags_for_industry("新能源材料回收")
    assert {t.cluster for t in tags} == {"前沿新材料", "节能环保"} and all("申报行业" in t.route for t in tags)
    assert cluster_map().tags_for_industry("汽车电子")[0].cluster == "汽车及零部件"
    assert cluster_map().tags_for_industry("") == [] and cluster_map().tags_for_industry("餐饮") == []
