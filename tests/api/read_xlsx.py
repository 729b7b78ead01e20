#!/usr/bin/python3
"""Reads an .xlsx progress report with openpyxl and prints what api_tests checks, as JSON.

Usage: read_xlsx.py FILE
Prints {"title", "freeze_panes", "orientation", "paper_size", "fit_to_page", "fit_to_width",
"fit_to_height", "print_title_rows", "auto_filter", "header", "rows", "column_widths"} of the
first worksheet; column_widths maps every column letter A.. of the header to its width (null
when the workbook leaves it at the default). Exits 2 with a message when openpyxl is missing.
"""
import json
import sys

try:
    import openpyxl
    from openpyxl.utils import get_column_letter
except ImportError:
    sys.stderr.write("read_xlsx.py: the Python module openpyxl is missing; "
                     "install the Debian package python3-openpyxl (scripts/install-deps does)\n")
    sys.exit(2)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: read_xlsx.py FILE\n")
        return 2
    wb = openpyxl.load_workbook(sys.argv[1])
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = rows[0] if rows else []

    widths = {}
    for dim in ws.column_dimensions.values():
        if dim.min is None or dim.max is None:
            continue
        for col in range(dim.min, dim.max + 1):
            widths[get_column_letter(col)] = dim.width if dim.customWidth else None
    column_widths = {get_column_letter(i): widths.get(get_column_letter(i))
                     for i in range(1, len(header) + 1)}

    out = {
        "title": ws.title,
        "sheet_count": len(wb.worksheets),
        "freeze_panes": ws.freeze_panes,
        "orientation": ws.page_setup.orientation,
        "paper_size": int(ws.page_setup.paperSize) if ws.page_setup.paperSize is not None else None,
        "fit_to_page": bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
        # An absent fitToWidth / fitToHeight means 1 (ECMA-376 default); 0 means "as many as needed".
        "fit_to_width": 1 if ws.page_setup.fitToWidth is None else int(ws.page_setup.fitToWidth),
        "fit_to_height": 1 if ws.page_setup.fitToHeight is None else int(ws.page_setup.fitToHeight),
        "print_title_rows": ws.print_title_rows,
        "auto_filter": ws.auto_filter.ref,
        "header": header,
        "rows": rows[1:],
        "column_widths": column_widths,
    }
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
