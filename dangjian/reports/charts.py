"""Charts for the PDF as SVG drawn in Python (decisions/0090): no browser at run time.

The page draws the same series with ECharts; here each chart is a small SVG string that
WeasyPrint renders inline, with the CJK font the PDF uses.
"""

from __future__ import annotations

from html import escape

FONT = "Noto Sans CJK SC, Noto Sans SC, sans-serif"
RED = "#c8161d"
BLUE = "#2f6fb2"
GREY = "#666"
WIDTH = 520


def _svg(height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="11">'
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{escape(title)}</text>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: object, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(str(text))}</text>'


def pyramid(
    bands: list[str],
    men: list[int],
    women: list[int],
    title: str,
    sexes: tuple[str, str] = ("男", "女"),
) -> str:
    """Age pyramid by sex: men to the left, women to the right, the oldest band on top."""
    row, top, label_width = 22, 40, 80
    height = top + row * len(bands) + 30
    margin = 50  # room for the value written beyond the longest bar
    half = (WIDTH - label_width) / 2 - margin
    largest = max([*men, *women, 1])
    centre_left = half + margin
    centre_right = centre_left + label_width
    body = [
        _text(centre_left - 4, top - 8, sexes[0], "end", fill=BLUE),
        _text(centre_right + 4, top - 8, sexes[1], "start", fill=RED),
    ]
    for i, (band, m, w) in enumerate(reversed(list(zip(bands, men, women, strict=True)))):
        y = top + i * row
        mw, ww = half * m / largest, half * w / largest
        body.append(
            f'<rect x="{centre_left - mw:.1f}" y="{y + 3}" width="{mw:.1f}" height="{row - 6}" fill="{BLUE}"/>'
        )
        body.append(
            f'<rect x="{centre_right:.1f}" y="{y + 3}" width="{ww:.1f}" height="{row - 6}" fill="{RED}"/>'
        )
        body.append(_text(centre_left + label_width / 2, y + row / 2 + 4, band, "middle"))
        body.append(_text(centre_left - mw - 3, y + row / 2 + 4, m, "end", fill=GREY))
        body.append(_text(centre_right + ww + 3, y + row / 2 + 4, w, "start", fill=GREY))
    return _svg(height, body, title)


def bars(labels: list[str], values: list[int], title: str, color: str = RED) -> str:
    """Vertical bars with the value above each."""
    height, top, bottom, left = 240, 36, 40, 20
    plot = height - top - bottom
    largest = max([*values, 1])
    step = (WIDTH - 2 * left) / max(len(values), 1)
    body = [
        f'<line x1="{left}" y1="{top + plot}" x2="{WIDTH - left}" y2="{top + plot}" stroke="#999"/>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot * value / largest
        x = left + i * step + step * 0.2
        body.append(
            f'<rect x="{x:.1f}" y="{top + plot - h:.1f}" width="{step * 0.6:.1f}" height="{h:.1f}" fill="{color}"/>'
        )
        body.append(_text(x + step * 0.3, top + plot - h - 4, value, "middle", fill=GREY))
        body.append(_text(x + step * 0.3, top + plot + 16, label, "middle"))
    return _svg(height, body, title)


def line(labels: list[str], values: list[int], title: str) -> str:
    """Members over the years. The axis starts at a round number below the smallest value (and
    says so), so that a change of a few percent is visible, as on the page."""
    height, top, bottom, left = 240, 36, 40, 50
    plot = height - top - bottom
    high = max([*values, 1])
    smallest = min(values) if values else 0
    magnitude = 10 ** max(len(str(int(smallest * 0.9))) - 2, 0)
    low = int(smallest * 0.9) // magnitude * magnitude
    span = max(high - low, 1)
    step = (WIDTH - left - 20) / max(len(values) - 1, 1)
    points = [(left + i * step, top + plot - plot * (v - low) / span) for i, v in enumerate(values)]
    body = [
        f'<line x1="{left}" y1="{top + plot}" x2="{WIDTH - 20}" y2="{top + plot}" stroke="#999"/>',
        _text(left - 4, top + plot, low, "end", fill=GREY),
    ]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{RED}" stroke-width="2"/>')
    for (x, y), label, value in zip(points, labels, values, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{RED}"/>')
        body.append(_text(x, top + plot + 16, label, "middle", font_size="9"))
        body.append(_text(x, y - 6, value, "middle", fill=GREY, font_size="9"))
    return _svg(height, body, title)


def report_charts(charts: dict[str, dict[str, list]], titles: dict[str, str]) -> dict[str, str]:
    """The four charts of the report as SVG strings, keyed like `Report.charts()`."""
    return {
        "pyramid": pyramid(
            charts["pyramid"]["bands"],
            charts["pyramid"]["men"],
            charts["pyramid"]["women"],
            titles["pyramid"],
            (titles["men"], titles["women"]),
        ),
        "education": bars(
            charts["education"]["labels"], charts["education"]["values"], titles["education"]
        ),
        "years": line(charts["years"]["labels"], charts["years"]["values"], titles["years"]),
        "kinds": bars(
            charts["kinds"]["labels"], charts["kinds"]["values"], titles["kinds"], color=BLUE
        ),
    }
