"""Where a programme applies (its area) and whether an organisation is inside it.

A programme file declares its area as a province and, for a city's programme, a prefecture-level city
(`"area": {"province": "江苏省", "prefecture": "苏州市"}`); the area takes in every county-level unit of it
(昆山市, 吴江区, 苏州工业园区 …). The reference table data/reference/admin_areas.tsv maps county-level units and
prefectures to their prefecture and province for the provinces the programmes need (江苏省, 浙江省).

An organisation's place is its registered province and city (Organization.province / .city); the city may be a
prefecture (苏州), a county-level unit (昆山市) or both (苏州市吴江区), with or without 省/市/区/县, and either cell
may start with the province (江苏省苏州市, 上海市普陀区). The verdict is inside, outside or unknown:

- every part of the city is looked up and must agree (苏州市吴江区; 南京市昆山市 and 苏州市鼓楼区 contradict
  themselves), the prefecture narrowing a district name (徐州市鼓楼区 is 徐州's, not 南京's);
- a province the table does not cover (上海市, 安徽省) decides by itself, unless the city is a name unique nationwide
  that the table places elsewhere (安徽省 苏州);
- a province cell that is not one of the 34 provincial-level names (Jiangsu, 江蘇) is unknown, and so is a 市辖区
  name without a province (普陀区 is in 上海 and 舟山), a prefix city the table lacks without a province
  (南昌市西湖区), a missing place, an ambiguous or a self-contradicting one; unknown is never counted as inside.
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


# China's 34 provincial-level units. A province cell that is none of them (Jiangsu, 江蘇) is unknown, not outside.
PROVINCIAL = ("北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省",
              "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
              "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区",
              "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
# Names usually written for the autonomous regions besides the full name and short() of it.
_ALIASES = {"广西": "广西壮族自治区", "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区"}
# 市辖区 names recur across China (鼓楼区 in 南京, 徐州, 福州, 开封; 普陀区 in 上海 and 舟山) and the table covers two
# provinces only, so a district alone does not place an organisation. 地级市, 县级市 and 县 names do: the 1986
# 地名管理条例 (art. 4) required 县 and 市 names to be distinct nationwide, a rule never applied to 市辖区; a 功能区
# is named after its city. (Names of different levels may still coincide, e.g. 海南省 and 青海's 海南州.)
DISTRICT = "市辖区"


def _province_names(with_short: bool) -> list[tuple[str, str]]:
    """(written form, full name), longest first so 黑龙江省 is tried before 黑龙江."""
    names = [(p, p) for p in PROVINCIAL]
    if with_short:
        names += [(short(p), p) for p in PROVINCIAL] + [(a, p) for a, p in _ALIASES.items()]
    return sorted(names, key=lambda n: -len(n[0]))


def split_province(cell: str) -> tuple[str | None, str]:
    """A province cell as (full provincial name, what follows it): 江苏省苏州市 → (江苏省, 苏州市), 江苏 → (江苏省, "");
    (None, cell) when it does not start with one of the 34 names."""
    text = "".join(cell.split())
    for written, full in _province_names(with_short=True):
        if text.startswith(written):
            return full, text[len(written):]
    return None, text


def _split_city(cell: str, registered: str | None) -> tuple[str | None, str]:
    """A city cell's leading province, if written in full (江苏省苏州市, 上海市普陀区), short as a municipality
    (上海浦东新区) or as the registered province (江苏苏州 under 江苏省), or if the cell is a provincial name alone
    (北京). 吉林市 and 河北区 keep their names: what follows a short name must be more than a suffix."""
    text = "".join(cell.split())
    for written, full in _province_names(with_short=True):
        if text == written:
            return full, ""
    shorts = [(short(m), m) for m in _MUNICIPALITIES]
    if registered:
        shorts += [(w, f) for w, f in _province_names(with_short=True) if f == registered]
    for written, full in _province_names(with_short=False) + shorts:
        if text.startswith(written) and len(text) > len(written) and text[len(written):] not in _SUFFIXES:
            return full, text[len(written):]
    return None, text


def _parts(text: str) -> list[str]:
    """苏州市吴江区 → [苏州市, 吴江区]; 苏州市昆山市玉山镇 → [苏州市, 昆山市, 玉山镇]; 昆山市 → [昆山市]."""
    found, rest = [], text
    while "市" in rest[:-1]:
        head, _, rest = rest.partition("市")
        if head:
            found.append(head + "市")
    return [*found, rest] if rest else found


def membership(area: Area, province: str | None, city: str | None) -> Verdict:
    """Whether an organisation registered at (province, city) is inside the area."""
    province, city = "".join((province or "").split()), "".join((city or "").split())
    place = " ".join(filter(None, (province, city))) or "未登记"
    if not province and not city:
        return Verdict(UNKNOWN, place, "未登记省份和城市")

    def unknown(reason: str) -> Verdict:
        return Verdict(UNKNOWN, place, reason)

    registered, extra = split_province(province) if province else (None, "")
    if province and registered is None:
        return unknown(f"登记的省份“{province}”不是我国 34 个省级行政区的名称（如 江苏省、上海市），无法判断")
    written, rest = _split_city(city, registered) if city else (None, "")
    if written and registered and written != registered:
        return unknown(f"登记的城市“{city}”属于{written}，与登记的省份“{province}”不一致")
    province_name = registered or written
    parts = list(dict.fromkeys(p for p in _parts(extra) + _parts(rest) if short(p)))
    written_as = city or province
    known = {p: places().get(short(p), ()) for p in parts}

    if province_name and province_name not in provinces():
        # The table knows nothing of this province: only a name unique nationwide can contradict it.
        for part, found in known.items():
            unique = [p for p in found if p.level != DISTRICT]
            if unique:
                where = "、".join(sorted({f"{p.province}{p.prefecture}" for p in unique}))
                return unknown(f"登记的“{part}”属于{where}，与登记的省份“{province_name}”不一致")
        how = f"登记省份为{province_name}" if registered else f"“{city}”属于{province_name}"
        return Verdict(OUTSIDE, place, how)

    for part, found in known.items():
        if found and province_name and not any(p.province == province_name for p in found):
            where = "、".join(sorted({p.province for p in found}))
            return unknown(f"登记的城市“{part}”属于{where}，与登记的省份“{province_name}”不一致")
        known[part] = tuple(p for p in found if not province_name or p.province == province_name)
    cities = [p for p in parts[:-1] if p.endswith("市") and not known[p]]  # 南昌市 of 南昌市西湖区
    if cities and not province_name:
        return unknown(f"“{cities[0]}”不在地区对照表（data/{TABLE}）中，请登记省份")
    if cities:  # the table lists every 地级市 and 县级市 of its provinces
        return unknown(f"登记的城市“{cities[0]}”不是{province_name}的地级市或县级市（见 data/{TABLE}），"
                       f"与登记的省份“{province_name}”不一致")
    named = {p: found for p, found in known.items() if found}
    if named:
        common = set.intersection(*({(p.province, p.prefecture) for p in found} for found in named.values()))
        if not common:
            each = "，".join(f"{p}属于{'、'.join(sorted({c.province + c.prefecture for c in f}))}"
                            for p, f in named.items())
            return unknown(f"登记的“{written_as}”自相矛盾：{each}，请核对城市")
        last = list(named)[-1]
        candidates = tuple(p for p in named[last] if (p.province, p.prefecture) in common)
        if not province_name and len(named) == 1 and all(p.level == DISTRICT for p in candidates):
            return unknown(f"“{last}”是市辖区，全国多地有同名的区（地区对照表只含{'、'.join(sorted(provinces()))}），"
                           "请登记省份")
        return _judged(area, place, written_as, candidates)

    # No part of the city is in the table: only the province decides.
    if province_name and short(province_name) != short(area.province):
        return Verdict(OUTSIDE, place, f"登记省份为{province_name}")
    if area.prefecture is None and province_name:
        if parts:  # e.g. a former county name the table lacks: the province still places it
            return Verdict(INSIDE, place, f"登记省份为{province_name}（城市“{city or extra}”不在地区对照表中）")
        return Verdict(INSIDE, place, f"登记省份为{province_name}")
    if parts:
        return unknown(f"城市“{city or extra}”不在地区对照表（data/{TABLE}）中，无法判断所属地级市")
    return unknown(f"未登记城市，无法判断是否属于{area.label}")


def _judged(area: Area, place: str, written: str, candidates: tuple[Place, ...]) -> Verdict:
    """Inside when every candidate is, outside when none is; the reason names every prefecture a name is in."""
    where = "、".join(sorted({f"{p.province}{p.prefecture}" for p in candidates}))
    inside = [_covers(area, p) for p in candidates]
    if all(inside):
        return Verdict(INSIDE, place, f"“{written}”属于{where}")
    if not any(inside):
        return Verdict(OUTSIDE, place, f"“{written}”属于{where}")
    return Verdict(UNKNOWN, place, f"“{written}”有重名（{where}），请登记省份和地级市")


def _covers(area: Area, place: Place) -> bool:
    if place.province != area.province:
        return False
    return area.prefecture is None or place.prefecture == area.prefecture


def organization_membership(area: Area, org: object) -> Verdict:
    """membership() for an Organization row (or anything with .province and .city)."""
    return membership(area, getattr(org, "province", None), getattr(org, "city", None))
