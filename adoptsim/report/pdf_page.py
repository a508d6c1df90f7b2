"""The report as a one-page A4 PDF, laid out with fpdf2."""

from __future__ import annotations

import io
from pathlib import Path

from adoptsim.errors import InputError
from adoptsim.report.charts import Chart
from adoptsim.report.content import Report, assumption_lines, build
from adoptsim.runs.compare import Comparison
from adoptsim.runs.result import Result

_PAGE_W, _PAGE_H, _MARGIN = 210.0, 297.0, 11.0
_ACCENT = (0, 114, 178)
_MUTED = (90, 90, 90)


def _fonts(pdf) -> None:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(folder / "DejaVuSans-Oblique.ttf"))


def _escape_md(text: str) -> str:
    """Text that fpdf2's markdown leaves as it is."""
    for marker in ("**", "__", "--", "~~"):
        text = text.replace(marker, marker[0] + "\u200b" + marker[1])
    return text


def _image_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return im.size


def _heading(pdf, text: str) -> None:
    pdf.ln(1.2)
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(0, 4.2, text.upper(), new_x="LMARGIN", new_y="NEXT", align="L")
    y = pdf.get_y()
    pdf.set_draw_color(216, 216, 216)
    pdf.line(_MARGIN, y, _PAGE_W - _MARGIN, y)
    pdf.ln(0.8)
    pdf.set_text_color(0, 0, 0)


def _assumption_text(report: Report, lines: list[str]) -> str:
    """Assumptions and strategy settings as one paragraph (for the PDF)."""
    parts = [" · ".join(lines) if lines else "Every model parameter is at adoptsim's default."]
    settings = [
        f"{p['name']}: {' · '.join(p['strategies'])}"
        for p in report.plans
        if p["strategies"] != ["no strategy"]
    ]
    if settings:
        parts.append("Strategy settings (those not at their defaults): " + " | ".join(settings))
    return "\n".join(parts)


def _footer_height(pdf, report: Report, lines: list[str]) -> float:
    width = _PAGE_W - 2 * _MARGIN
    pdf.set_font("DejaVu", "", 6.3)
    text = _assumption_text(report, lines)
    h = pdf.multi_cell(width, 2.8, text, dry_run=True, output="HEIGHT")
    h += pdf.multi_cell(width, 2.8, report.method, dry_run=True, output="HEIGHT")
    return h + 2 * 7.0


def pdf(
    source: Result | Comparison | Report, path: str | Path, question: str | None = None
) -> Path:
    """Write the report as a one-page A4 PDF."""
    from fpdf import FPDF

    report = source if isinstance(source, Report) else build(source, question)
    lines = assumption_lines(report.assumptions)
    doc = FPDF(orientation="portrait", unit="mm", format="A4")
    doc.set_auto_page_break(False)
    doc.set_margins(_MARGIN, _MARGIN, _MARGIN)
    _fonts(doc)
    doc.set_title(report.title)
    doc.set_creator("adoptsim")
    doc.add_page()
    width = _PAGE_W - 2 * _MARGIN

    doc.set_font("DejaVu", "B", 14)
    doc.multi_cell(width, 6.2, report.title, new_x="LMARGIN", new_y="NEXT", align="L")
    doc.set_font("DejaVu", "I", 9.5)
    doc.multi_cell(width, 4.4, report.question, new_x="LMARGIN", new_y="NEXT", align="L")
    doc.set_font("DejaVu", "", 7.5)
    doc.set_text_color(*_MUTED)
    doc.multi_cell(width, 3.6, report.context, new_x="LMARGIN", new_y="NEXT", align="L")
    doc.set_text_color(0, 0, 0)
    doc.ln(1.5)
    doc.set_fill_color(238, 245, 251)
    doc.set_font("DejaVu", "B", 8.5)
    doc.multi_cell(
        width,
        4.2,
        report.headline,
        fill=True,
        padding=(1.5, 2.5),
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )

    _heading(doc, "The plans")
    doc.set_font("DejaVu", "", 6.8)
    for p in report.plans:
        name = p["name"].replace("*", "")
        text = f"**{name}**: {_escape_md(p['description'] or '–')}"
        doc.multi_cell(width, 3.1, text, markdown=True, new_x="LMARGIN", new_y="NEXT", align="L")

    _heading(doc, "Headline numbers")
    _pdf_table(doc, report, width)

    _heading(doc, "Key charts")
    footer = _footer_height(doc, report, lines)
    top = doc.get_y() + 0.5
    available = _PAGE_H - _MARGIN - footer - top
    _pdf_charts(doc, report.charts, top, available, width)

    doc.set_y(min(doc.get_y(), _PAGE_H - _MARGIN - footer))
    _heading(doc, "Assumptions")
    doc.set_font("DejaVu", "", 6.3)
    doc.multi_cell(
        width, 2.8, _assumption_text(report, lines), new_x="LMARGIN", new_y="NEXT", align="L"
    )
    _heading(doc, "Method")
    doc.set_font("DejaVu", "", 6.3)
    doc.multi_cell(width, 2.8, report.method, new_x="LMARGIN", new_y="NEXT", align="L")
    path = Path(path)
    doc.output(str(path))
    return path


def _pdf_table(doc, report: Report, width: float) -> None:
    from fpdf.fonts import FontFace

    head = FontFace(emphasis="BOLD", color=_MUTED, fill_color=(245, 245, 245))
    doc.set_font("DejaVu", "", 6.6)
    if report.rows and "cells" in report.rows[0]:
        widths = (4, 31, *([(width - 35) / len(report.columns)] * len(report.columns)))
        with doc.table(
            col_widths=widths,
            text_align=("RIGHT", "LEFT", *(["RIGHT"] * len(report.columns))),
            headings_style=head,
            line_height=2.9,
            padding=0.6,
            borders_layout="HORIZONTAL_LINES",
            width=width,
        ) as table:
            header = table.row()
            for text in ("#", "plan", *report.columns):
                header.cell(text)
            for row in report.rows:
                cells = table.row()
                cells.cell(str(row["rank"]))
                cells.cell(row["name"] + ("\n(reference)" if row["reference"] else ""))
                for c in row["cells"]:
                    text = c["value"] + (f" ({c['interval']})" if c["interval"] else "")
                    if c["diff"]:
                        text += f"\nΔ {c['diff']}"
                    cells.cell(text)
        doc.set_font("DejaVu", "", 5.8)
        doc.set_text_color(*_MUTED)
        doc.multi_cell(
            width,
            2.6,
            "In brackets: 90 % of runs. Δ: mean paired difference against the reference (same "
            "seeds, run by run; its spread is in the chart of paired differences); pp = "
            "percentage points; weeks to 50 %: median.",
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
        doc.set_text_color(0, 0, 0)
        return
    with doc.table(
        col_widths=(45, 25, 35),
        text_align=("LEFT", "RIGHT", "RIGHT"),
        headings_style=head,
        line_height=3.1,
        padding=0.6,
        borders_layout="HORIZONTAL_LINES",
        width=105,
        align="LEFT",
    ) as table:
        header = table.row()
        for text in ("metric", *report.columns):
            header.cell(text)
        for row in report.rows:
            cells = table.row()
            cells.cell(row["label"])
            cells.cell(row["value"])
            cells.cell(row["interval"])


def _pdf_charts(doc, charts: list[Chart], top: float, available: float, width: float) -> None:
    """Charts in a two-column grid, scaled to fit the height left on the page."""
    gap = 3.0
    col_w = (width - gap) / 2
    rows = [charts[i : i + 2] for i in range(0, len(charts), 2)]
    sizes = [[_image_size(c.png) for c in row] for row in rows]
    natural = [max(col_w * h / w for w, h in row) for row in sizes]
    caption_h = 3.0
    need = sum(natural) + len(rows) * (caption_h + gap)
    scale = min(1.0, (available - len(rows) * (caption_h + gap)) / max(sum(natural), 1e-9))
    if scale <= 0.3:
        raise InputError(
            "the report does not fit on one page: too many plans or assumptions to list "
            f"(needs {need:.0f} mm for charts, {available:.0f} mm left)"
        )
    y = top
    for row, size in zip(rows, sizes, strict=True):
        row_h = 0.0
        for k, (chart, (w_px, h_px)) in enumerate(zip(row, size, strict=True)):
            w = col_w * scale
            h = w * h_px / w_px
            x = _MARGIN + k * (col_w + gap) + (col_w - w) / 2
            doc.image(io.BytesIO(chart.png), x=x, y=y, w=w)
            doc.set_xy(x, y + h + 0.3)
            doc.set_font("DejaVu", "", 6.2)
            doc.set_text_color(*_MUTED)
            doc.cell(w, caption_h - 0.5, chart.caption)
            doc.set_text_color(0, 0, 0)
            row_h = max(row_h, h)
        y += row_h + caption_h + gap
    doc.set_y(y)
