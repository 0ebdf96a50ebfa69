"""The kit's small pieces of display: a chart with its caption, an error, a download, the export popover and
the share link."""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from rnn_core.errors import RNNLabError
from rnn_core.links.scripts import settings_link
from rnn_core.links.settings import Schema


def chart(fig, caption: str, key: str | None = None) -> None:
    """A plotly chart with its one- or two-line "how to read it" caption underneath."""
    st.plotly_chart(fig, key=key)
    st.caption(caption)


def show_error(exc: Exception) -> None:
    st.error(str(exc), icon="⚠️")


def download_button(key: str, title: str, fetch: Callable[[], Any], way_out: str) -> bool:
    """A Download button for a public data set not yet on this computer; True once this click has fetched it.

    A failed download is one message: the reason, then ``way_out`` (what works offline: a built-in set, an
    upload). The page shows nothing else about the missing file while this message is up.
    """
    if not st.button("Download", key=key, icon=":material/download:"):
        return False
    with st.spinner(f"Downloading {title}..."):
        try:
            fetch()
        except RNNLabError as exc:
            st.session_state[f"{key}.failed"] = f"{exc} {way_out}"
            return False
    st.session_state.pop(f"{key}.failed", None)
    return True


def download_failed(key: str) -> str | None:
    """The message of the last failed download of button ``key`` (None if it did not fail)."""
    return st.session_state.get(f"{key}.failed")


def share_link(schema: Schema) -> str:
    """The full link to this page with its current settings (the address bar holds the same)."""
    query = {k: v for k, v in st.query_params.to_dict().items() if k in schema.names}
    base = st.context.url or ""
    return settings_link(base, query) if base else "?" + "&".join(f"{k}={v}" for k, v in query.items())


def export_button(script: str, file_name: str, key: str, label: str = "Export as a Python script",
                  schema: Schema | None = None) -> None:
    """A popover with ``script`` (from :func:`rnn_core.links.scripts.export_script`), its download, and the link.

    ``key`` must contain ``.btn`` (e.g. ``"lm.btn_export"``), as every button key does.
    """
    with st.popover(label, icon=":material/download:"):
        st.caption("A standalone script that reproduces this run with rnn_core, seed included. Save it in the "
                   "RNN Lab folder and run it with Python; change any setting in it and run again.")
        st.download_button(f"Download {file_name}", data=script, file_name=file_name, mime="text/x-python",
                           key=key, icon=":material/download:")
        st.code(script, language="python", line_numbers=False)
        if schema is not None:
            st.caption("A link that reopens this page with these settings (the address bar holds it too):")
            st.code(share_link(schema), language=None, wrap_lines=True)
