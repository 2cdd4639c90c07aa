"""Places: names from the document, codes from the gazetteer, null when ambiguous."""

from __future__ import annotations

import pytest

from transform.places import load_gazetteer, resolve_place


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def test_repeated_township_name_settled_by_the_county_in_the_name(gaz):
    assert len(gaz.named("孟庄镇", "township")) > 1
    place = resolve_place("市中区孟庄镇", "在区委区政府正确领导下", gaz)
    assert place.admin_code == "370402102000"
    assert (place.township, place.county, place.city) == ("孟庄镇", "市中区", None)
    assert place.body_level == "township"


def test_repeated_township_name_without_clues_stays_null(gaz):
    place = resolve_place("孟庄镇", "我镇政府信息公开工作", gaz)
    assert place.admin_code is None and place.ambiguous
    assert place.township == "孟庄镇"


def test_county_named_only_in_the_text_narrows_candidates(gaz):
    candidates = gaz.named("孟庄镇", "township")
    unit = candidates[0]
    county = gaz.units[unit.parent]
    place = resolve_place("孟庄镇人民政府", f"我镇在{county.name}政府网站公开信息", gaz)
    assert place.admin_code == unit.code + "000"
    assert place.county == county.name


def test_unique_township_resolves_and_street_office_alias(gaz):
    assert resolve_place("红椿镇", "", gaz).admin_code == "610924110000"
    street = next(u for u in gaz.units.values()
                  if u.level == "township" and u.name.endswith("街道")
                  and len(gaz.named(u.name)) == 1)
    place = resolve_place(street.name + "办事处", "", gaz)
    assert place.admin_code == street.code + "000"
    assert place.township == street.name
    assert place.body_level == "township"


def test_county_city_province_and_department_levels(gaz):
    county = resolve_place("上犹县人民政府", "", gaz)
    assert county.body_level == "county" and county.admin_code == "360724000000"
    dept = resolve_place("上犹县教育局", "", gaz)
    assert dept.body_level == "department" and dept.county == "上犹县"
    assert dept.admin_code == "360724000000"
    city = resolve_place("赣州市人民政府", "", gaz)
    assert city.body_level == "city" and city.admin_code == "360700000000"
    province = resolve_place("江西省人民政府", "", gaz)
    assert province.body_level == "province" and province.admin_code == "360000000000"


def test_contradicting_county_leaves_code_null(gaz):
    place = resolve_place("上犹县红椿镇", "", gaz)
    assert place.admin_code is None and place.ambiguous


def test_township_missing_from_gazetteer_keeps_its_written_name(gaz):
    place = resolve_place("上犹县幸福新镇人民政府", "", gaz)
    assert place.township == "幸福新镇" and place.county == "上犹县"
    assert place.body_level == "township" and place.admin_code is None


def test_government_office_is_a_department(gaz):
    place = resolve_place("上犹县人民政府办公室", "", gaz)
    assert place.body_level == "department" and place.county == "上犹县"
