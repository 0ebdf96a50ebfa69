"""Plotly figure builders: data in, ``go.Figure`` out, one module per page's subject.

Every builder is a pure function, so tests can check a figure's traces without a browser. Each module also
keeps the one- or two-line "how to read it" caption of its charts next to the builder, so that the chart and
its explanation cannot drift apart.
"""

from rnn_core.figures.style import COLORS, CELL_COLORS, base_layout

__all__ = ["COLORS", "CELL_COLORS", "base_layout"]
