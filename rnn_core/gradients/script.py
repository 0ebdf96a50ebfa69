"""Vanishing gradients' exported script: the same measurement of gradients through time, outside the app."""

from __future__ import annotations

from rnn_core.gradients.measure import GradientSettings, measure
from rnn_core.links.scripts import command_line, export_script


def gradients_script(settings: GradientSettings) -> str:
    """A standalone script that measures ‖∂L/∂h_t‖ through time for ``settings``, with its command line."""
    return export_script(
        measure, settings, title="Gradient norms through time (RNN Lab, Vanishing gradients)", seed=settings.seed,
        report="print(json.dumps({cell: {'ratio': m.ratio, 'grad_norms': list(m.grad_norms)} "
               "for cell, m in result.measurements.items()}))",
        command=command_line("gradients", {"cell": settings.cells[0], "length": settings.length,
                                           "hidden": settings.hidden_size, "activation": settings.activation,
                                           "init": settings.init, "radius": settings.radius,
                                           "forget_bias": settings.forget_bias, "seed": settings.seed}))
