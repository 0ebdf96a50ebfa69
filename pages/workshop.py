"""Workshop mode, in the sidebar of every page (app.py calls :func:`workshop_sidebar`; not a page itself).

A sidebar switch, on with ``?workshop=1`` in the link, shows the guided path's current step on every page, with
Back/Next (which open the step's page and apply its fixed seeds and presets, as the pages' settings declare them)
and a one-click reset of the participant's session.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.kit import KEEP_PARAMS, active_jobs, set_settings
from rnn_core.workshop import STEPS, clamp_step, total_minutes

ROOT = Path(__file__).resolve().parent.parent
# ON is plain session state (the truth); the toggle only shows it. Its key changes with ON, so that a change
# made elsewhere (a link, the reset) shows at once, and no widget's value is ever written from code.
ON, STEP, GOTO = "workshop.on", "workshop.step", "workshop.goto"


# --- workshop mode -------------------------------------------------------------------------------------------

def _apply(index: int) -> None:
    st.session_state[STEP] = index
    set_settings(STEPS[index].settings)


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
            st.caption(f"Workshop step {index + 1} of {len(STEPS)} · minutes {start} to {start + step.minutes} "
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
            # Grey, and named for the workshop: a page's own red Next (How an RNN works) is another button.
            st.button("Next workshop step", key="workshop.btn_next", on_click=_move, args=(1,),
                      disabled=index == len(STEPS) - 1, width="stretch", icon=":material/skip_next:",
                      help="The next workshop step (it may open another page).")
            st.button("Previous workshop step", key="workshop.btn_back", on_click=_move, args=(-1,),
                      disabled=index == 0, width="stretch", icon=":material/skip_previous:")
        st.button("Reset my session", key="workshop.btn_reset", on_click=reset_session, width="stretch",
                  icon=":material/restart_alt:",
                  help="Forget your models and settings and start this step again with the room's settings.")
        if st.session_state.pop("workshop.reset_done", False):
            st.success("Session reset: your models and settings are gone, this step's settings are back.")

