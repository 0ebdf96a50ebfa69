"""Workshop mode and shareable runs: the glue every page calls (not a page itself).

- :func:`workshop_sidebar` (called by app.py): a sidebar switch, on with ``?workshop=1`` in the link, that
  shows the guided path's current step on every page, with Back/Next (which open the step's page and apply
  its fixed seeds and presets) and a one-click reset of the participant's session.
- :func:`share_settings` (called at the top of a page, before its widgets): a link's settings are applied
  once, then the address bar follows the widgets, so copying it shares the page as it is.
- :func:`export_button`: a popover with a standalone script that reproduces the run, and its download.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.shared import active_jobs
from rnn_core.links.scripts import settings_link
from rnn_core.links.settings import Schema
from rnn_core.workshop import STEPS, clamp_step, total_minutes

ROOT = Path(__file__).resolve().parent.parent
# ON is plain session state (the truth); the toggle only shows it. Its key changes with ON, so that a change
# made elsewhere (a link, the reset) shows at once, and no widget's value is ever written from code.
ON, STEP, GOTO = "workshop.on", "workshop.step", "workshop.goto"
KEEP_PARAMS = ("workshop", "step")       # query parameters that belong to workshop mode, not to a page
_LOADED = "share.loaded."


# --- workshop mode -------------------------------------------------------------------------------------------

def _apply(index: int) -> None:
    st.session_state[STEP] = index
    st.session_state.update(STEPS[index].settings)


def _move(delta: int) -> None:
    index = clamp_step(st.session_state.get(STEP, 0) + delta)
    _apply(index)
    st.session_state[GOTO] = STEPS[index].page


def switch_key() -> str:
    return f"workshop_switch_{int(bool(st.session_state.get(ON)))}"


def _toggled(key: str) -> None:
    st.session_state[ON] = bool(st.session_state.get(key))
    if st.session_state[ON]:
        _apply(clamp_step(st.session_state.get(STEP, 0)))
        st.session_state[GOTO] = STEPS[st.session_state[STEP]].page


def reset_session() -> None:
    """Forget everything this participant did (models, runs, settings), then reopen the current step."""
    for _, job in active_jobs():
        job.cancel()
    on, index = st.session_state.get(ON, False), clamp_step(st.session_state.get(STEP, 0))
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    for key in list(st.query_params.keys()):
        if key not in KEEP_PARAMS:
            del st.query_params[key]
    st.session_state["workshop.started"] = True
    st.session_state[ON] = on
    if on:
        _apply(index)
        st.session_state[GOTO] = STEPS[index].page
    st.session_state["workshop.reset_done"] = True


def workshop_sidebar(current_url_path: str | None, url_paths: dict[str, str]) -> None:
    """The workshop panel in the sidebar. ``url_paths`` maps page files to their URL paths (app.py's PAGES)."""
    params = st.query_params
    if "workshop.started" not in st.session_state:
        st.session_state["workshop.started"] = True
        if params.get("workshop", "").lower() in ("1", "true", "yes", "on"):
            st.session_state[ON] = True
            raw = params.get("step")
            _apply(clamp_step(int(raw) - 1) if raw and raw.strip().isdigit() else 0)
            # A link to step N opens step N's page, whichever page the link names.
            st.session_state[GOTO] = STEPS[st.session_state[STEP]].page
    with st.sidebar:
        key = switch_key()
        st.toggle("Workshop mode", value=bool(st.session_state.get(ON)), key=key, on_change=_toggled, args=(key,),
                  help="A guided path through the app for a room: each step says what to click and what you "
                       "should see, with the same seeds on every laptop. Share it as a link ending in ?workshop=1.")
        if not st.session_state.get(ON):
            for name in KEEP_PARAMS:
                if params.get(name) is not None:
                    del params[name]
            return
        index = clamp_step(st.session_state.get(STEP, 0))
        step = STEPS[index]
        target = url_paths.get(step.page)
        exists = (ROOT / step.page).exists()
        goto = st.session_state.pop(GOTO, None)
        if goto and exists and target != current_url_path:
            st.switch_page(str(ROOT / step.page), query_params={"workshop": "1", "step": str(index + 1)})
        params["workshop"], params["step"] = "1", str(index + 1)
        start = sum(s.minutes for s in STEPS[:index])
        with st.container(border=True):
            st.caption(f"Workshop · step {index + 1} of {len(STEPS)} · minute {start} to {start + step.minutes} "
                       f"of {total_minutes()}")
            st.progress((index + 1) / len(STEPS))
            st.markdown(f"**{step.title}**")
            st.markdown(f"**Explain.** {step.explain}")
            st.markdown(f"**Do.** {step.click}")
            st.markdown(f"**You should see.** {step.observe}")
            if not exists:
                st.warning("This step's page is not in this version of the app yet; skip it with Next.")
            elif target != current_url_path:
                st.page_link(str(ROOT / step.page), label="Open this step's page", icon=":material/arrow_forward:",
                             query_params={"workshop": "1", "step": str(index + 1)})
            back, forward = st.columns(2)
            back.button("Back", key="workshop.btn_back", on_click=_move, args=(-1,), disabled=index == 0,
                        width="stretch", icon=":material/arrow_back:")
            forward.button("Next", key="workshop.btn_next", on_click=_move, args=(1,), type="primary",
                           disabled=index == len(STEPS) - 1, width="stretch", icon=":material/arrow_forward:")
        st.button("Reset my session", key="workshop.btn_reset", on_click=reset_session, width="stretch",
                  icon=":material/restart_alt:",
                  help="Forget your models and settings and start this step again with the room's settings.")
        if st.session_state.pop("workshop.reset_done", False):
            st.success("Session reset: your models and settings are gone, this step's settings are back.")


# --- settings in the link ----------------------------------------------------------------------------------

def share_settings(schema: Schema, page: str) -> None:
    """Call at the top of a page, before its widgets. ``page`` is the page's namespace (``lm``, ``compare``).

    The first time the page runs in a session, settings found in the link are applied (malformed or
    out-of-range values fall back to defaults with a warning); afterwards the address bar is kept equal to
    the widgets, so it is always a link to the page as it is.
    """
    loaded = _LOADED + page
    if not st.session_state.get(loaded):
        st.session_state[loaded] = True
        values, problems = schema.from_query(st.query_params.to_dict())
        st.session_state.update(values)
        if problems:
            st.warning("Some settings in the link could not be used:\n\n" + "\n".join(f"- {p}" for p in problems),
                       icon=":material/link_off:")
    current = {**schema.defaults(), **{k: st.session_state[k] for k in schema.defaults() if k in st.session_state}}
    query = schema.to_query(current)
    params = st.query_params
    stale = [k for k in params.keys() if k not in query and k not in KEEP_PARAMS]
    for key in stale:
        del params[key]
    changed = {k: v for k, v in query.items() if params.get(k) != v}
    if changed:
        params.update(changed)


def share_link(schema: Schema) -> str:
    """The full link to this page with its current settings (the address bar holds the same)."""
    query = {k: v for k, v in st.query_params.to_dict().items() if k in schema.names}
    base = st.context.url or ""
    return settings_link(base, query) if base else "?" + "&".join(f"{k}={v}" for k, v in query.items())


# --- export ------------------------------------------------------------------------------------------------------

def export_button(script: str, file_name: str, key: str, label: str = "Export as a Python script",
                  schema: Schema | None = None) -> None:
    """A popover with ``script`` (from :func:`rnn_core.links.scripts.export_script`), a download button, and the link.

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
