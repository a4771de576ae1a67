"""IPC codes and declared industries → provincial industry clusters.

One reviewed table per province (matching/reference/clusters_<scheme>.tsv, chosen by the
`cluster_scheme` setting): strategic emerging industries and IPC prefixes lead from a patent's codes
to clusters; words of a declared industry (申报行业) lead from a need or an organisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from matching.industries import _rows, industries_for_ipc

SCHEMES = ("jiangsu", "zhejiang")


@dataclass(frozen=True)
class ClusterTag:
    cluster: str
    ipc: str  # the patent's code that led here
    route: str  # evidence, e.g. "SEI 6.3 太阳能产业" or "IPC H02S"


@dataclass(frozen=True)
class ClusterMap:
    by_sei: dict[str, tuple[str, ...]]
    by_prefix: tuple[tuple[str, str], ...]  # longest prefix first
    by_industry_word: tuple[tuple[str, str], ...] = ()  # longest word first
    # Every match places ~200 candidates' codes; the answer for a code never changes, so it is kept.
    _by_code: dict[str, tuple[ClusterTag, ...]] = field(default_factory=dict, compare=False, repr=False)

    def tags_for_ipc(self, code: str) -> list[ClusterTag]:
        if code not in self._by_code:
            self._by_code[code] = tuple(self._place(code))
        return list(self._by_code[code])

    def _place(self, code: str) -> list[ClusterTag]:
        # The team's IPC-prefix rows are more specific than the industry route, so they come first.
        tags = [ClusterTag(cluster, code, f"IPC {prefix.strip('/ ')}")
                for prefix, cluster in self.by_prefix if code.startswith(prefix)]
        tags += [ClusterTag(cluster, code, f"SEI {hit.sei_code} {hit.name}")
                 for hit in industries_for_ipc(code) for cluster in self.by_sei.get(hit.sei_code, ())]
        first: dict[str, ClusterTag] = {}
        for tag in tags:
            first.setdefault(tag.cluster, tag)
        return list(first.values())

    def tags_for_patent(self, codes: Iterable[str]) -> list[ClusterTag]:
        """Clusters of all codes, the main (first) code's clusters first, each cluster once."""
        seen: dict[str, ClusterTag] = {}
        for code in codes:
            for tag in self.tags_for_ipc(code):
                seen.setdefault(tag.cluster, tag)
        return list(seen.values())

    def tags_for_industry(self, industry: str | None) -> list[ClusterTag]:
        """Clusters whose words occur in a declared industry, each once, longest word first."""
        if not industry:
            return []
        seen: dict[str, ClusterTag] = {}
        for word, cluster in self.by_industry_word:
            if word in industry:
                seen.setdefault(cluster, ClusterTag(cluster, "", f"申报行业“{industry}”含“{word}”"))
        return list(seen.values())

    @property
    def clusters(self) -> list[str]:
        names = [c for cs in self.by_sei.values() for c in cs] + [c for _, c in self.by_prefix]
        return list(dict.fromkeys(names))


@lru_cache(maxsize=len(SCHEMES))
def cluster_map(scheme: str = "jiangsu") -> ClusterMap:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown cluster scheme '{scheme}'; available: {', '.join(SCHEMES)}")
    by_sei: dict[str, list[str]] = {}
    rows: dict[str, list[tuple[str, str]]] = {"ipc": [], "industry": []}
    for kind, key, cluster in _rows(f"clusters_{scheme}.tsv"):
        if kind == "sei":
            by_sei.setdefault(key, []).append(cluster)
        else:
            rows[kind].append((key, cluster))
    longest_first = {kind: tuple(sorted(pairs, key=lambda pair: -len(pair[0]))) for kind, pairs in rows.items()}
    return ClusterMap({k: tuple(v) for k, v in by_sei.items()}, longest_first["ipc"], longest_first["industry"])
