"""Checks of drawn figures shared by the face tests: does a legend cover data, do labels overlap, which runs.

Everything is measured in display coordinates with the figure's own renderer
(``fig.canvas.get_renderer()`` after a draw), as the PNG is drawn.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cbook import STEP_LOOKUP_MAP
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: gid of the artist that stands for a run (dxsim.plot gives one per run drawn on an Axes).
RUN = "dxsim-run"


def renderer_of(fig: Figure):
    """Draw ``fig`` (layout included) and return its renderer."""
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _line_path(line) -> Path:
    """A line as drawn, in display coordinates: steps expanded, NaN points left out."""
    x = np.asarray(line.get_xdata(orig=False), dtype=float)
    y = np.asarray(line.get_ydata(orig=False), dtype=float)
    style = line.get_drawstyle()
    if style in STEP_LOOKUP_MAP and style != "default":
        x, y = STEP_LOOKUP_MAP[style](x, y)
    xy = np.column_stack([x, y])
    xy = xy[np.isfinite(xy).all(axis=1)]
    return Path(line.get_transform().transform(xy))


def data_in_display(ax: Axes, renderer) -> list[tuple[str, Path | Bbox]]:
    """Every drawn piece of data of ``ax`` in display coordinates, named for messages.

    Lines as paths (steps expanded), filled collections (bands, bars of
    ``fill_between``) as their paths, scatters as their points (a path of
    vertices), patches (bars, shaded windows), images and texts inside the
    axes (annotations) as their window extents.
    """
    out: list[tuple[str, Path | Bbox]] = []
    for line in ax.get_lines():
        if line.get_visible() and len(line.get_xdata()):
            out.append((f"line {line.get_label()!r}", _line_path(line)))
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        if isinstance(coll, PathCollection) and len(coll.get_offsets()):  # scatter: its points
            points = coll.get_offset_transform().transform(np.asarray(coll.get_offsets(), dtype=float))
            out.append((f"points {coll.get_label()!r}", Path(points[np.isfinite(points).all(axis=1)])))
        else:
            for path in coll.get_paths():
                out.append((f"area {coll.get_label()!r}", coll.get_transform().transform_path(path)))
    for artist in [*ax.patches, *ax.images, *ax.texts]:
        if artist.get_visible():
            out.append((f"{type(artist).__name__} {artist.get_label()!r}", artist.get_window_extent(renderer)))
    return out


def legend_covers(ax: Axes, renderer) -> list[str]:
    """The data of ``ax`` its legend covers (empty: none), measured where the legend and the axes meet."""
    legend = ax.get_legend()
    if legend is None:
        return []
    box = Bbox.intersection(legend.get_window_extent(renderer), ax.get_window_extent(renderer))
    if box is None:  # the legend lies outside the axes: it covers none of their data
        return []
    covered = []
    for name, piece in data_in_display(ax, renderer):
        if isinstance(piece, Bbox):
            hit = piece.overlaps(box)
        elif name.startswith("points"):
            v = piece.vertices
            hit = bool(np.any((v[:, 0] > box.x0) & (v[:, 0] < box.x1) & (v[:, 1] > box.y0) & (v[:, 1] < box.y1)))
        else:
            hit = len(piece.vertices) > 0 and piece.intersects_bbox(box, filled=name.startswith("area"))
        if hit:
            covered.append(name)
    return covered


def overlapping_labels(texts: list[Text], renderer) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts (tick labels) whose window extents overlap."""
    shown = [t for t in texts if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent(renderer) for t in shown]
    return [
        (shown[i].get_text(), shown[j].get_text())
        for i in range(len(shown))
        for j in range(i + 1, len(shown))
        if boxes[i].overlaps(boxes[j])
    ]


def run_colours(ax: Axes) -> list[str]:
    """The colour of each run drawn on ``ax`` (its line with the run gid), in drawing order."""
    from matplotlib.colors import to_hex

    return [to_hex(a.get_color()) for a in ax.get_children() if a.get_gid() == RUN]


def legends(fig: Figure) -> list[Legend]:
    """Every legend of the figure (of its axes and of the figure itself)."""
    return [artist for artist in fig.findobj(Legend)]
