"""The page kit: what every page shares, so that a page only declares its settings, what it trains and what it
draws.

- **Settings** (:func:`settings`, :func:`widget`): a page's settings are declared once, as the
  :class:`~rnn_core.links.settings.Param` of its :class:`~rnn_core.links.settings.Schema` (label, range or
  choices, help, name in the address bar). The kit draws each widget from its declaration, applies a link's
  settings once, keeps the address bar equal to the widgets, and keeps every value while the learner is on
  another page (Streamlit drops a widget's value when a polling fragment reruns without it; the kit keeps its
  own copy and puts it back).
- **Training** (:class:`Run`, :func:`train_controls`): a page says what a click on Train starts (a
  :class:`Run`: its label, ``train(stop, report)``, how a finished product enters the session's registry, the
  run-cache key). The kit does the rest: the Train and Stop buttons, the run cache (identical runs trained once
  per server, replayed or joined), the background job and its queue place, the polling fragment with a
  progress bar, errors, and the closing line of the run.
- **Results** (:func:`shown_model`): one slot per page, which shows the model of the latest run as soon as it
  ends, and lets the learner pick any earlier one.
- Charts with their "how to read it" caption, errors, the export popover and the share link.
"""

from __future__ import annotations

import streamlit as st

from pages.kit.settings import (KEEP_PARAMS, KEPT, keep_widget_state, read_link_again, remember, set_settings,
                                settings, widget)
from pages.kit.show import chart, download_button, download_failed, export_button, share_link, show_error
from pages.kit.training import (WARNINGS, Run, active_jobs, current_job, forget, jobs_sidebar, latest_outcome,
                                poll_interval, registry, rerun_when_finished, results_or_wait, shown_model, start,
                                train_controls)
from rnn_core.runs.loop import evaluation_rows

__all__ = ["KEEP_PARAMS", "KEPT", "WARNINGS", "Run", "active_jobs", "chart", "current_job", "download_button",
           "download_failed", "evaluation_rows", "export_button", "forget", "jobs_sidebar", "keep_widget_state", "latest_outcome",
           "poll_interval", "read_link_again", "registry", "remember", "rerun_when_finished", "results_or_wait", "set_settings",
           "settings", "share_link", "shown_model", "show_error", "start", "train_controls", "widget"]


def _route_through_app() -> None:
    """Make sure every script run goes through ``app.py``, the router.

    Until some session of the server has called ``st.navigation``, Streamlit keeps its old multipage
    behaviour for apps with a ``pages/`` folder: a visitor who opens ``/generate`` on a freshly started server
    gets ``pages/generate.py`` run on its own, without the router (wrong sidebar, no shared state). Pages
    import this module first, so here that behaviour is switched off (as ``st.navigation`` itself does) and
    the run starts again through ``app.py``.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# Last, once every name above exists: a page that imports this module half-way through a rerun must not see
# a half-built module.
_route_through_app()
