"""Generate tests/samples/filing_list.xlsx from filing_list.yaml (one row per item, Chinese headers, a title row
above the header as in published lists). Run: .venv/bin/python tests/samples/make_filing_list.py"""
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
HEADERS = ["序号", "事项名称", "事项编码", "设定依据", "实施机关", "申请材料", "办理环节", "办理时限", "是否收费",
           "结果形式", "有效期", "不予备案情形", "是否开展活动的前提", "备注"]


def cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return "；".join(str(x) for x in v)
    return str(v)


def main() -> None:
    data = yaml.safe_load((HERE / "filing_list.yaml").read_text(encoding="utf-8"))
    wb = Workbook()
    ws = wb.active
    ws.title = "行政备案事项清单"
    ws.append([f"{data['region']}行政备案事项清单（{data['edition']}年版）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(HEADERS)
    for c in ws[2]:
        c.font = Font(bold=True)
    for n, item in enumerate(data["items"], start=1):
        ws.append([n] + [cell(item.get(h)) for h in HEADERS[1:]])
    for col, width in zip("ABCDEFGHIJKLMN", (6, 28, 12, 40, 26, 50, 40, 14, 12, 30, 20, 36, 12, 30)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    # fixed workbook metadata so that regenerating gives the same content
    import datetime
    wb.properties.created = wb.properties.modified = datetime.datetime(2025, 1, 1)
    wb.properties.creator = "policylint"
    wb.save(HERE / "filing_list.xlsx")


if __name__ == "__main__":
    main()
