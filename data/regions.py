"""Regions for landscape analysis: Jiangsu's 苏南 / 苏中 / 苏北 by city (data/reference/regions_jiangsu.tsv),
and the scope of a deal's flow: in the province, elsewhere in the Yangtze River Delta (沪苏浙皖), or further."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

JIANGSU = "江苏省"
DELTA_PROVINCES = ("上海市", "江苏省", "浙江省", "安徽省")  # 长三角
JIANGSU_REGIONS = ("苏南", "苏中", "苏北")
IN_PROVINCE, DELTA, ELSEWHERE, UNKNOWN = "省内", "长三角（省外）", "长三角以外", "不详"


def _short(place: str) -> str:
    # Exports write 南京 or 南京市, 上海 or 上海市: compare without the administrative suffix.
    return place.strip().removesuffix("市").removesuffix("省")


@lru_cache(maxsize=1)
def jiangsu_cities() -> dict[str, str]:
    """City (without 市) → 苏南 / 苏中 / 苏北."""
    text = resources.files("data").joinpath("reference/regions_jiangsu.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return {city.strip(): region.strip() for region, city in rows[1:]}


def cities_of(region: str) -> tuple[str, ...]:
    """The cities of 苏南 / 苏中 / 苏北, both spellings (南京, 南京市); empty for any other name."""
    return tuple(spelling for city, r in jiangsu_cities().items() if r == region for spelling in (city, f"{city}市"))


def region_of(city: str | None, province: str | None) -> str:
    """苏南 / 苏中 / 苏北 for a Jiangsu city; otherwise the province (上海市 …), or 不详."""
    if city and _short(city) in jiangsu_cities():
        return jiangsu_cities()[_short(city)]
    if province:
        return province.strip()
    return UNKNOWN


def scope_of(city: str | None, province: str | None) -> str:
    """Where an organisation sits seen from Jiangsu: 省内, 长三角（省外）, 长三角以外 or 不详."""
    if (city and _short(city) in jiangsu_cities()) or (province and _short(province) == _short(JIANGSU)):
        return IN_PROVINCE
    if province and _short(province) in {_short(p) for p in DELTA_PROVINCES}:
        return DELTA
    if province:
        return ELSEWHERE
    return UNKNOWN
