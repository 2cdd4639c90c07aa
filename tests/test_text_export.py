"""The text-export reader: cells, rows, continuation lines and artefacts."""

from __future__ import annotations

from extract.document import Paragraph, Table
from extract.text_export import parse_text_export, read_text_export
from tests.conftest import seed_paths


def test_cells_rows_and_tables_in_order():
    doc = parse_text_export("标题\n\t甲\n\t乙\n\n\t1\n\t2\n\n\n正文\n")
    assert [type(b) for b in doc.blocks] == [Paragraph, Table, Paragraph]
    table = doc.blocks[1]
    assert [[c.text for c in row] for row in table.rows] == [["甲", "乙"], ["1", "2"]]
    assert [(c.row, c.col) for c in table.rows[1]] == [(1, 0), (1, 1)]


def test_cell_continues_over_lines_and_over_a_blank_line():
    doc = parse_text_export("\t本年新\n制作数量\n\t\u00a0\n\n0\n\n\t下一行\n\n\n结尾\n")
    table = doc.tables[0]
    assert table.rows[0][0].text == "本年新\n制作数量"
    assert table.rows[0][1].text == "\u00a0\n\n0"
    assert [c.text for c in table.rows[1]] == ["下一行"]
    assert doc.paragraphs[-1].text == "结尾"


def test_table_ends_at_two_blank_lines_before_a_paragraph():
    doc = parse_text_export("\t0\n\n\n五、存在的主要问题及改进情况\n正文\n")
    assert [[c.text for c in r] for r in doc.tables[0].rows] == [["0"]]
    assert [p.text for p in doc.paragraphs] == ["五、存在的主要问题及改进情况", "正文"]


def test_bookmark_artefacts_removed_from_text_but_kept_raw():
    doc = parse_text_export("[bookmark: _GoBack]一、总体情况\n\t[bookmark: _GoBack]0\n")
    assert doc.paragraphs[0].text == "一、总体情况"
    cell = doc.tables[0].rows[0][0]
    assert cell.text == "0"
    assert cell.raw == "[bookmark: _GoBack]0"


def test_encodings_bom_and_gb18030():
    text = "红椿镇2020年政府信息公开工作年度报告\n\t规章\n\t0\n"
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"),
                 text.encode("gb18030"), text.encode("utf-16")):
        doc = read_text_export(data)
        assert doc.paragraphs[0].text == "红椿镇2020年政府信息公开工作年度报告"
        assert [c.text for c in doc.tables[0].rows[0]] == ["规章", "0"]


def test_seeds_have_three_tables_with_expected_shapes():
    for path in seed_paths():
        doc = read_text_export(path.read_bytes())
        assert len(doc.tables) == 3, path.name
        widths = [max(len(r) for r in t.rows) for t in doc.tables]
        assert widths[1] == 10 and widths[2] == 15, (path.name, widths)


def test_short_heading_after_one_blank_line_ends_the_table():
    doc = parse_text_export("\t0\n\n存在的主要问题及改进情况\n正文\n")
    assert [[c.text for c in r] for r in doc.tables[0].rows] == [["0"]]
    assert doc.paragraphs[0].text == "存在的主要问题及改进情况"
