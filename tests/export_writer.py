"""Write text exports (the seeds' format) from Python lists, for building test documents.

A table is a list of rows, a row a list of cell texts; a paragraph is a string.
"""

from __future__ import annotations

from gongkai.synth.render import text_export

Block = str | list[list[str]]
__all__ = ["Block", "text_export"]


APPLICATION_HEADER = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
    ["", "自然人", "法人或其他组织", "总计"],
    ["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
]
APPLICATION_ROWS_2019 = [
    ["一、本年新收政府信息公开申请数量"],
    ["二、上年结转政府信息公开申请数量"],
    ["三、本年度办理结果", "（一）予以公开"],
    ["", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"],
    ["", "（三）不予公开", "1.属于国家秘密"],
    ["", "", "2.其他法律行政法规禁止公开"],
    ["", "", "3.危及“三安全一稳定”"],
    ["", "", "4.保护第三方合法权益"],
    ["", "", "5.属于三类内部事务信息"],
    ["", "", "6.属于四类过程性信息"],
    ["", "", "7.属于行政执法案卷"],
    ["", "", "8.属于行政查询事项"],
    ["", "（四）无法提供", "1.本机关不掌握相关政府信息"],
    ["", "", "2.没有现成信息需要另行制作"],
    ["", "", "3.补正后申请内容仍不明确"],
    ["", "（五）不予处理", "1.信访举报投诉类申请"],
    ["", "", "2.重复申请"],
    ["", "", "3.要求提供公开出版物"],
    ["", "", "4.无正当理由大量反复申请"],
    ["", "", "5.要求行政机关确认或重新出具已获取信息"],
    ["", "（六）其他处理"],
    ["", "（七）总计"],
    ["四、结转下年度继续办理"],
]


def applications_table(values: dict[int, list[str]] | None = None,
                       rows: list[list[str]] | None = None) -> list[list[str]]:
    """Table 三 with the given value cells per row index (default all '0')."""
    body = rows or APPLICATION_ROWS_2019
    values = values or {}
    return APPLICATION_HEADER + [labels + values.get(i, ["0"] * 7)
                                 for i, labels in enumerate(body)]


def reviews_table(values: list[str] | None = None) -> list[list[str]]:
    outcomes = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [
        ["行政复议", "行政诉讼"],
        [*outcomes, "未经复议直接起诉", "复议后起诉"],
        ["", "", "", "", "", *outcomes, *outcomes],
        values or ["0"] * 15,
    ]
