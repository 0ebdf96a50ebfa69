"""The kit's settings: each widget drawn from its declaration, a link applied once, the address bar kept equal
to the widgets, and every value kept while the learner is on another page."""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from rnn_core.links.settings import Schema

KEPT = "kit.kept"                 # setting key -> its last value: what a page's widgets come back to
KEEP_PARAMS = ("workshop", "step")   # query parameters that belong to workshop mode, not to a page
_LOADED = "share.loaded."
_NOT_SETTABLE = (".btn", ".upload", ".fragment", ".editor")


def keep_widget_state() -> None:
    """Stop Streamlit from forgetting a page's settings when the learner visits another page (app.py calls it).

    Widgets' values are dropped when their page is not shown; writing a key back to itself turns it into
    ordinary session state, which survives (Streamlit's documented work-around).
    """
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and "." in key and not any(part in key for part in _NOT_SETTABLE):
            try:
                st.session_state[key] = st.session_state[key]
            except st.errors.StreamlitAPIException:
                pass


def settings(schema: Schema, page: str, defaults: Callable[[dict], dict] | None = None) -> dict:
    """Call at the top of a page, before its widgets: the page's settings, as they should be now.

    A setting the session has never had starts at its default; one that Streamlit dropped while the learner
    was away comes back as it was (the kit's own copy); a link's settings are applied the first time the page
    runs in a session (malformed or out-of-range values fall back, with one warning); and the address bar is
    kept equal to the settings, so it is always a link to the page as it is. Returns key -> value.

    ``defaults(chosen)``, for settings whose defaults depend on others (a preset's sizes, a data set's rates),
    gets what is chosen so far (the session's values, then a first visit's link, then the declared defaults) and
    returns the defaults of the dependent settings; they fill only what the session has no value for.
    """
    state, kept = st.session_state, st.session_state.setdefault(KEPT, {})
    loaded = _LOADED + page
    first_visit = not state.get(loaded)
    linked, problems = schema.from_query(st.query_params.to_dict()) if first_visit else ({}, [])
    if defaults is not None:
        chosen = {**schema.defaults(), **kept, **{k: state[k] for k in schema.defaults() if k in state}, **linked}
        for key, value in defaults(chosen).items():
            if key not in state and key not in kept and key not in linked:
                state[key] = value
    for key, default in schema.defaults().items():
        if key not in state:
            state[key] = kept.get(key, default)
    if first_visit:
        state[loaded] = True
        state.update(linked)
        if problems:
            st.warning("Some settings in the link could not be used:\n\n" + "\n".join(f"- {p}" for p in problems),
                       icon=":material/link_off:")
    current = {key: state[key] for key in schema.defaults()}
    kept.update(current)
    _address_bar(schema, current)
    return current


def read_link_again(page: str) -> None:
    """Make page ``page`` apply the settings of the link it is opened with next, as on a first visit."""
    st.session_state.pop(_LOADED + page, None)


def remember(key: str, value: Any) -> None:
    """Keep ``value`` as setting ``key``'s own copy."""
    st.session_state.setdefault(KEPT, {})[key] = value


def set_settings(values: dict) -> None:
    """Set settings from code (a callback: a preset, a data set's defaults, a workshop step) and keep them."""
    for key, value in values.items():
        st.session_state[key] = value
        remember(key, value)


def _address_bar(schema: Schema, current: dict) -> None:
    query = schema.to_query(current)
    params = st.query_params
    for key in [k for k in params.keys() if k not in query and k not in KEEP_PARAMS]:
        del params[key]
    changed = {k: v for k, v in query.items() if params.get(k) != v}
    if changed:
        params.update(changed)


def widget(schema: Schema, key: str, where=None, **options) -> Any:
    """Draw the widget of setting ``key`` as its :class:`Param` declares it (:meth:`Param.widget_kind`), in
    ``where`` (a column, say). ``options`` go to the Streamlit widget as they are (``on_change``, ``max_chars``...),
    and ``label`` replaces the declared one where it depends on the moment (the level of the model, say).
    Returns its value."""
    p = schema.param(key)
    label = options.pop("label", p.label)
    where = where if where is not None else st
    args, kind, shown = {"key": p.key, "help": p.help, **options}, p.widget_kind(), p.shown_as()
    if kind in ("checkbox", "toggle", "text_area"):
        value = getattr(where, kind)(label, **args)
    elif kind == "radio":
        value = where.radio(label, p.choices, **{"horizontal": True, "format_func": shown, **args})
    elif kind in ("selectbox", "select_slider", "multiselect"):
        value = getattr(where, kind)(label, p.choices, format_func=shown, **args)
    elif kind in ("slider", "number"):
        value = (where.slider if kind == "slider" else where.number_input)(label, *p.bounds(), **args)
    else:
        value = where.text_input(label, **args)
    remember(p.key, value)
    return value
