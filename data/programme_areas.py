"""Where a programme applies (its area) and whether an organisation is inside it.

A programme file declares its area as a province and, for a city's programme, a prefecture-level city
(`"area": {"province": "江苏省", "prefecture": "苏州市"}`); the area takes in every county-level unit of it
(昆山市, 吴江区, 苏州工业园区 …). The reference table data/reference/admin_areas.tsv maps county-level units and
prefectures to their prefecture and province for the provinces the programmes need (江苏省, 浙江省).

An organisation's place is its registered province and city (Organization.province / .city); the city may be a
prefecture (苏州), a county-level unit (昆山市) or both (苏州市吴江区), with or without 省/市/区/县. The verdict is
inside, outside or unknown: a place that is missing, not in the table, ambiguous (鼓楼区 is in 南京 and 徐州)
or contradicts itself (city 苏州, province 浙江) is unknown, and unknown is never counted as inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

INSIDE, OUTSIDE, UNKNOWN = "inside", "outside", "unknown"
TABLE = "reference/admin_areas.tsv"
# Longest first, so 景宁畲族自治县 loses 自治县 and not just 县.
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "省", "市", "区", "县")


@dataclass(frozen=True)
class Place:
    name: str  # as in the table (昆山市)
    level: str  # 地级市, 市辖区, 县, 县级市, 功能区 …
    prefecture: str
    province: str


@dataclass(frozen=True)
class Area:
    province: str  # as in the table (浙江省)
    prefecture: str | None = None  # None: the whole province

    @property
    def label(self) -> str:
        return f"{self.province}{self.prefecture or ''}"


@dataclass(frozen=True)
class Verdict:
    status: str  # INSIDE, OUTSIDE or UNKNOWN
    place: str  # the registered place as written, or "未登记"
    reason: str  # in Chinese: why inside, outside or unknown

    @property
    def inside(self) -> bool:
        return self.status == INSIDE

    def message(self, area: Area, organization: str) -> str:
        """The answer for an organisation that is not inside, in Chinese, naming the area and the reason."""
        if self.status == OUTSIDE:
            return f"{organization} 不在本项目地区范围（{area.label}）内：{self.reason}"
        if self.status == UNKNOWN:
            return f"{organization} 地区未知，不能确认在本项目地区范围（{area.label}）内：{self.reason}"
        return f"{organization} 在本项目地区范围（{area.label}）内：{self.reason}"


STATUS_LABELS = {INSIDE: "在地区范围内", OUTSIDE: "不在地区范围内", UNKNOWN: "地区未知"}


def short(name: str) -> str:
    """A place name without its administrative suffix: 苏州市 → 苏州, 吴江区 → 吴江, 浙江省 → 浙江."""
    text = "".join(name.split())
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text.removesuffix(suffix)
    return text


@lru_cache(maxsize=1)
def places() -> dict[str, tuple[Place, ...]]:
    """Short name → every place of that name in the table (a name may be in two prefectures)."""
    text = resources.files("data").joinpath(TABLE).read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]
    found: dict[str, tuple[Place, ...]] = {}
    for name, level, prefecture, province in (r[:4] for r in rows[1:]):
        place = Place(name.strip(), level.strip(), prefecture.strip(), province.strip())
        found[short(place.name)] = (*found.get(short(place.name), ()), place)
    return found


def provinces() -> set[str]:
    return {p.province for found in places().values() for p in found}


def prefectures() -> set[tuple[str, str]]:
    return {(p.province, p.prefecture) for found in places().values() for p in found}


def area_of(raw: object) -> Area:
    """An area as a programme file declares it; ValueError (Chinese, naming the field) when the table cannot
    resolve it."""
    if not isinstance(raw, dict):
        raise ValueError("area：须写明适用地区，如 {\"province\": \"浙江省\"} 或 "
                         "{\"province\": \"江苏省\", \"prefecture\": \"苏州市\"}")
    province_text = str(raw.get("province") or "").strip()
    by_short = {short(p): p for p in provinces()}
    if short(province_text) not in by_short:
        raise ValueError(f"area.province：地区对照表（data/{TABLE}）中没有省份“{province_text}”；"
                         f"可选：{'、'.join(sorted(provinces()))}")
    province = by_short[short(province_text)]
    prefecture_text = str(raw.get("prefecture") or "").strip()
    if not prefecture_text:
        return Area(province)
    known = {short(c): c for p, c in prefectures() if p == province}
    if short(prefecture_text) not in known:
        raise ValueError(f"area.prefecture：地区对照表中{province}没有地级市“{prefecture_text}”；"
                         f"可选：{'、'.join(sorted(known.values()))}")
    return Area(province, known[short(prefecture_text)])


def _lookup(city: str) -> tuple[Place, ...]:
    """The places a city cell names: the whole text, else its most specific part (苏州市吴江区 → 吴江区)."""
    text = "".join(city.split())
    if short(text) in places():
        return places()[short(text)]
    if "市" in text[:-1]:  # 苏州市吴江区, 苏州市昆山市: the part after the prefecture is the more specific
        head, _, rest = text.partition("市")
        for part in (rest, head):
            if part and short(part) in places():
                return places()[short(part)]
    return ()


def membership(area: Area, province: str | None, city: str | None) -> Verdict:
    """Whether an organisation registered at (province, city) is inside the area."""
    province, city = (province or "").strip(), (city or "").strip()
    place = " ".join(filter(None, (province, city))) or "未登记"
    if not province and not city:
        return Verdict(UNKNOWN, place, "未登记省份和城市")
    candidates = _lookup(city) if city else ()
    if province and candidates:
        matching = tuple(p for p in candidates if short(p.province) == short(province))
        if not matching:
            where = "、".join(sorted({p.province for p in candidates}))
            return Verdict(UNKNOWN, place, f"登记的城市“{city}”属于{where}，与登记的省份“{province}”不一致")
        candidates = matching
    if candidates:
        inside = [_covers(area, p) for p in candidates]
        if all(inside):
            return Verdict(INSIDE, place, f"“{city}”属于{candidates[0].province}{candidates[0].prefecture}")
        if not any(inside):
            where = "、".join(sorted({f"{p.province}{p.prefecture}" for p in candidates}))
            return Verdict(OUTSIDE, place, f"“{city}”属于{where}")
        where = "、".join(sorted({f"{p.province}{p.prefecture}" for p in candidates}))
        return Verdict(UNKNOWN, place, f"“{city}”有重名（{where}），请登记省份和地级市")
    # The city is missing or not in the table: only a province different from the area's decides.
    if province and short(province) != short(area.province):
        return Verdict(OUTSIDE, place, f"登记省份为{province}")
    if area.prefecture is None and province:
        if city:  # e.g. a county the table lacks: the province still places it
            return Verdict(INSIDE, place, f"登记省份为{province}（城市“{city}”不在地区对照表中）")
        return Verdict(INSIDE, place, f"登记省份为{province}")
    if city:
        return Verdict(UNKNOWN, place, f"城市“{city}”不在地区对照表（data/{TABLE}）中，无法判断所属地级市")
    return Verdict(UNKNOWN, place, f"未登记城市，无法判断是否属于{area.label}")


def _covers(area: Area, place: Place) -> bool:
    if place.province != area.province:
        return False
    return area.prefecture is None or place.prefecture == area.prefecture


def organization_membership(area: Area, org: object) -> Verdict:
    """membership() for an Organization row (or anything with .province and .city)."""
    return membership(area, getattr(org, "province", None), getattr(org, "city", None))
