"""Cell spellings the importer accepts, and the messages for the ones it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.members.choices import Education, Ethnicity, MemberStatus, Occupation, Sex
from dangjian.members.pinyin import pinyin_keys
from dangjian.roster import columns
from dangjian.roster.columns import MEMBER_COLUMNS, CellError, CodeTable
from dangjian.roster.importing import NamePinyin, check_id_number


@pytest.mark.parametrize(
    "raw",
    [
        "2008-10-01",
        "2008/10/1",
        "2008/10/01",
        "2008.10.1",
        "2008年10月1日",
        "2008年10月",
        "2008.10",
        " 2008-10-01 ",
        "２００８－１０－０１",
        "20081001",
        39722,  # the Excel serial number of 2008-10-01
        39722.0,
        "39722",
        dt.date(2008, 10, 1),
        dt.datetime(2008, 10, 1, 0, 0, tzinfo=dt.UTC),
    ],
)
def test_accepted_date_spellings(raw: object) -> None:
    """Every date spelling found in real rosters reads as 2008-10-01."""
    assert columns.parse_date(raw) == dt.date(2008, 10, 1)


@pytest.mark.parametrize("raw", ["2008-13-01", "2008/2/30", "十月一日", "08-10-01", "2008", "abc"])
def test_refused_dates_say_how_to_write_them(raw: str) -> None:
    with pytest.raises(CellError, match="2008-10-01"):
        columns.parse_date(raw)


def test_empty_date_is_none() -> None:
    assert columns.parse_date("") is None
    assert columns.parse_date(None) is None


def _table(key: str) -> CodeTable:
    return CodeTable.build(next(c for c in MEMBER_COLUMNS if c.key == key))


@pytest.mark.parametrize(
    ("key", "raw", "code"),
    [
        ("ethnicity", "汉族", Ethnicity.HAN),
        ("ethnicity", "汉", Ethnicity.HAN),
        ("ethnicity", "01", Ethnicity.HAN),
        ("ethnicity", " 蒙古族 ", Ethnicity.MONGOL),
        ("education", "大学本科", Education.BACHELOR),
        ("education", "本科", Education.BACHELOR),
        ("education", "大专", Education.JUNIOR_COLLEGE),
        ("education", "21", Education.BACHELOR),
        ("occupation", "工人（工勤技能人员）", Occupation.WORKER),
        ("occupation", "农民", Occupation.FARMER),
        ("sex", "男", Sex.MALE),
        ("sex", "女性", Sex.FEMALE),
        ("status", "流动", MemberStatus.MOBILE),
    ],
)
def test_labels_codes_and_common_spellings(key: str, raw: str, code: str) -> None:
    assert _table(key).parse(raw) == code


def test_unknown_label_lists_the_choices() -> None:
    with pytest.raises(CellError, match=r"不是有效的学历.*大学本科"):
        _table("education").parse("大学肄业")


def test_removed_status_is_refused_on_import() -> None:
    with pytest.raises(CellError, match="导入时党籍状态不能是“已故”"):
        _table("status").parse("已故")


@pytest.mark.parametrize(
    "raw",
    ["11010119900307029x", "１１０１０１１９９００３０７０２９Ｘ", " 110101 19900307 029X "],
)
def test_id_number_spellings(raw: str) -> None:
    """Lower-case x, full-width digits and stray spaces all read as the same number."""
    number, birth = check_id_number(raw)
    assert number == "11010119900307029X"
    assert birth == dt.date(1990, 3, 7)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1101011990030776", "应为18位"),
        ("11010119900307767Y", "前17位只能是数字"),
        ("110101199003077671", "校验码不正确"),
        ("110101199002307670", "不是有效日期"),
    ],
)
def test_bad_id_numbers_say_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(CellError, match=message):
        check_id_number(raw)


@pytest.mark.parametrize(("raw", "value"), [("是", True), ("否", False), ("", False), (1, True)])
def test_yes_no(raw: object, value: bool) -> None:
    assert columns.parse_bool(raw) is value


def test_yes_no_refusal() -> None:
    with pytest.raises(CellError, match=r"是.*否"):
        columns.parse_bool("也许")


def test_text_drops_export_apostrophe_and_float_suffix() -> None:
    assert columns.as_text("'=1+1") == "=1+1"
    assert columns.as_text("'abc") == "'abc"
    assert columns.as_text(13800000000.0) == "13800000000"
    assert columns.safe_cell("=1+1") == "'=1+1"
    assert columns.safe_cell("@x") == "'@x"
    assert columns.safe_cell("正常") == "正常"


COMMON = "庆江山王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐曾单解仇朴区查覃乐华重长行伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚国建志文海燕红梅玉春晓东小德永凤"


@given(st.text(alphabet=COMMON, min_size=1, max_size=4))
@settings(max_examples=300, deadline=None)
def test_fast_name_pinyin_equals_the_members_app(name: str) -> None:
    """The importer's cached pinyin gives exactly what members.pinyin gives for any name."""
    assert _FAST_PINYIN(name) == pinyin_keys(name)


_FAST_PINYIN = NamePinyin()
