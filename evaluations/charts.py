"""Horizontal bar charts drawn on the server: the geometry of an inline SVG (bars, ticks, labels) from plain numbers.

No Django here: the callers give translated titles and labels, and templates/evaluations/_chart_bars.html
draws the SVG and the table of the same numbers (which is what screen readers read). Series differ by more
than colour: the city's bars are hatched, every bar carries its series' short label and value as text, and a
legend names them.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Colours keep 3:1 or more against the white background for bars and axes and 4.5:1 for text (tests check them);
# the grid lines are decoration (every bar carries its value as text).
BACKGROUND = "#ffffff"
TEXT_COLOUR = "#1a1a1a"
GRID_COLOUR = "#c8c8c8"
AXIS_COLOUR = "#1a1a1a"
PARTNER_COLOUR = "#0b5394"
CITY_COLOUR = "#a34700"
NEUTRAL_COLOUR = "#2d6a4f"

FONT_SIZE = 12
BAR_HEIGHT = 16
BAR_GAP = 3
GROUP_GAP = 12
PLOT_WIDTH = 320
LEGEND_HEIGHT = 26
AXIS_HEIGHT = 22
AXIS_LABEL_HEIGHT = 18
PADDING = 8
TEXT_GAP = 5


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    # Written on each bar with its value ("団体側 3.5"); empty for a chart of one series.
    short_label: str = ""
    colour: str = NEUTRAL_COLOUR
    hatched: bool = False


@dataclass(frozen=True)
class Bar:
    series: Series
    value: float | None
    x: float
    y: float
    width: float
    height: float
    text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Row:
    label: str
    label_y: float
    bars: list[Bar]
    # The table's cells: each series' value as written, then any extra columns.
    cells: list[str]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    series: Series
    x: float
    y: float
    text_x: float
    text_y: float


@dataclass
class BarChart:
    id: str
    title: str
    description: str
    category_label: str
    axis_label: str
    series: list[Series]
    rows: list[Row]
    ticks: list[Tick]
    legend: list[LegendItem]
    columns: list[str]
    width: float
    height: float
    label_x: float
    plot_left: float
    plot_top: float
    plot_bottom: float
    plot_right: float
    tick_label_y: float
    axis_label_y: float

    # The palette, for the template.
    background = BACKGROUND
    text_colour = TEXT_COLOUR
    grid_colour = GRID_COLOUR
    axis_colour = AXIS_COLOUR

    @property
    def hatched_series(self) -> list[Series]:
        return [series for series in self.series if series.hatched]


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """An estimate of the drawn width: a full-width (CJK) character is one em, others a little over half."""
    return sum(font_size if ord(char) >= 0x2E80 else font_size * 0.6 for char in text)


def nice_step(maximum: float, ticks: int = 5, integer: bool = False) -> float:
    """A step of 1, 2 or 5 times a power of ten giving about `ticks` intervals up to `maximum`."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return max(1, round(step)) if integer else step


def plain_number(value: float) -> str:
    """3.5, 4, 1,200,000: grouped, with one decimal only where there is one."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    category_label: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float | None]],
    axis_label: str = "",
    maximum: float | None = None,
    step: float | None = None,
    integer: bool = False,
    value_format: Callable[[float], str] = plain_number,
    tick_format: Callable[[float], str] = plain_number,
    missing: str = "—",
    extra_columns: Sequence[tuple[str, Sequence[str]]] = (),
) -> BarChart:
    """A horizontal bar chart: a row per category with a bar per series; values[row][series].

    `maximum` fixes the scale (5 for scores); otherwise it is the largest value rounded up to a step.
    `extra_columns` are (header, a cell per category) shown in the table only.
    """
    series = list(series)
    largest = max((value for row in values for value in row if value is not None), default=0)
    if step is None:
        step = nice_step(maximum if maximum is not None else largest, integer=integer)
    if maximum is None:
        maximum = max(step, math.ceil(largest / step) * step)

    bar_texts = [
        [_bar_text(entry, value, value_format, missing) for entry, value in zip(series, row, strict=True)]
        for row in values
    ]
    label_width = max((text_width(label) for label in categories), default=0)
    value_width = max((text_width(text) for row in bar_texts for text in row), default=0)
    plot_left = PADDING + label_width + TEXT_GAP * 2
    plot_right = plot_left + PLOT_WIDTH
    legend_height = LEGEND_HEIGHT if len(series) > 1 else 0
    plot_top = PADDING + legend_height

    group_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    rows = []
    y = plot_top + GROUP_GAP / 2
    for label, row_values, texts in zip(categories, values, bar_texts, strict=True):
        bars = []
        for index, (entry, value, text) in enumerate(zip(series, row_values, texts, strict=True)):
            top = y + index * (BAR_HEIGHT + BAR_GAP)
            width = 0.0 if value is None else round(min(value, maximum) / maximum * PLOT_WIDTH, 1)
            bars.append(
                Bar(
                    series=entry,
                    value=value,
                    x=round(plot_left, 1),
                    y=round(top, 1),
                    width=width,
                    height=BAR_HEIGHT,
                    text=text,
                    text_x=round(plot_left + width + TEXT_GAP, 1),
                    text_y=round(top + BAR_HEIGHT / 2, 1),
                )
            )
        cells = [value_format(value) if value is not None else missing for value in row_values]
        rows.append(Row(label=label, label_y=round(y + group_height / 2, 1), bars=bars, cells=cells))
        y += group_height + GROUP_GAP
    for _header, column in extra_columns:
        for row, cell in zip(rows, column, strict=True):
            row.cells.append(cell)
    plot_bottom = y - GROUP_GAP / 2

    ticks = []
    count = round(maximum / step)
    for index in range(count + 1):
        value = step * index
        ticks.append(Tick(x=round(plot_left + value / maximum * PLOT_WIDTH, 1), label=tick_format(value)))

    legend = []
    x = plot_left
    if legend_height:
        for entry in series:
            legend.append(
                LegendItem(series=entry, x=round(x, 1), y=PADDING, text_x=round(x + 18, 1), text_y=PADDING + 7)
            )
            x += 18 + text_width(entry.label) + 20

    width = max(plot_right + TEXT_GAP + value_width + PADDING, x + PADDING, plot_right + PADDING * 4)
    tick_label_y = plot_bottom + AXIS_HEIGHT - 6
    axis_label_y = tick_label_y + (AXIS_LABEL_HEIGHT if axis_label else 0)
    height = axis_label_y + PADDING
    return BarChart(
        id=id,
        title=title,
        description=description,
        category_label=category_label,
        axis_label=axis_label,
        series=series,
        rows=rows,
        ticks=ticks,
        legend=legend,
        columns=[entry.label for entry in series] + [header for header, _column in extra_columns],
        width=round(width, 1),
        height=round(height, 1),
        label_x=round(plot_left - TEXT_GAP * 2, 1),
        plot_left=round(plot_left, 1),
        plot_top=round(plot_top, 1),
        plot_bottom=round(plot_bottom, 1),
        plot_right=round(plot_right, 1),
        tick_label_y=round(tick_label_y, 1),
        axis_label_y=round(axis_label_y, 1),
    )


def _bar_text(series: Series, value: float | None, value_format: Callable[[float], str], missing: str) -> str:
    shown = missing if value is None else value_format(value)
    return f"{series.short_label} {shown}" if series.short_label else shown
