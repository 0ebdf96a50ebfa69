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

from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import streamlit as st

from rnn_core.errors import RNNLabError
from rnn_core.links.scripts import settings_link
from rnn_core.links.settings import Param, Schema
from rnn_core.runs import runcache, sessions
from rnn_core.runs.jobs import CANCELLED, FAILED, QUEUED, RUNNING, Job
from rnn_core.runs.registry import ModelRegistry, Outcome, TrainedModel

REGISTRY_KEY = "models"
KEPT = "kit.kept"                 # setting key -> its last value: what a page's widgets come back to
KEEP_PARAMS = ("workshop", "step")   # query parameters that belong to workshop mode, not to a page
_LOADED = "share.loaded."
_NOT_SETTABLE = (".btn", ".upload", ".fragment", ".editor")
FOLLOWER_POLL_SECONDS = 5.0
ENDINGS = {"stopped": " (stopped)", "diverged": " (diverged)"}
WARNINGS = ("stopped", "diverged", "time")      # endings whose closing line is a warning


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


# --- the session's models ----------------------------------------------------------------------------------

def registry() -> ModelRegistry:
    """The trained models of this session (every page reads the same one)."""
    if REGISTRY_KEY not in st.session_state:
        st.session_state[REGISTRY_KEY] = ModelRegistry()
    models = st.session_state[REGISTRY_KEY]
    if sessions.touch(models):   # also frees the models of sessions abandoned for longer than the TTL
        st.info(f"Your models were cleared after {sessions.ttl_in_words()} without activity, "
                "to free memory for other visitors. Train again to continue.", icon="🧹")
    return models


# --- settings ---------------------------------------------------------------------------------------------------

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
    """Draw the widget of setting ``key`` as its :class:`Param` declares it, in ``where`` (a column, say).

    The kind of widget follows from the declaration unless it names one: a flag is a checkbox, a few named
    choices a row of radio buttons, more a select box, numbers from a list a select slider, a small whole-
    number range a slider and a large one a number box, a list a multiselect, anything else a text box.
    ``options`` go to the Streamlit widget as they are (``on_change``, ``max_chars``...), and ``label`` replaces the
    declared one where it depends on the moment (the level of the model, say). Returns its value.
    """
    p = schema.param(key)
    if "label" in options:
        p = replace(p, label=options.pop("label"))
    where = where if where is not None else st
    args = {"key": p.key, "help": p.help, **options}
    shown = p.shown or _default_shown(p)
    kind = p.widget or _widget_kind(p)
    if kind == "checkbox":
        value = where.checkbox(p.label, **args)
    elif kind == "toggle":
        value = where.toggle(p.label, **args)
    elif kind == "radio":
        value = where.radio(p.label, p.choices, **{"horizontal": True, "format_func": shown, **args})
    elif kind == "selectbox":
        value = where.selectbox(p.label, p.choices, format_func=shown, **args)
    elif kind == "select_slider":
        value = where.select_slider(p.label, p.choices, format_func=shown, **args)
    elif kind == "multiselect":
        value = where.multiselect(p.label, p.choices, format_func=shown, **args)
    elif kind == "slider":
        value = where.slider(p.label, _number(p, p.low), _number(p, p.high), **args)
    elif kind == "number":
        value = where.number_input(p.label, _number(p, p.low), _number(p, p.high), **args)
    elif kind == "text_area":
        value = where.text_area(p.label, **args)
    else:
        value = where.text_input(p.label, **args)
    remember(p.key, value)
    return value


def _widget_kind(p: Param) -> str:
    if isinstance(p.default, bool):
        return "checkbox"
    if isinstance(p.default, (list, tuple)):
        return "multiselect"
    if p.choices is not None:
        if isinstance(p.default, str):
            return "radio" if len(p.choices) <= 4 else "selectbox"
        return "select_slider"
    if p.low is not None and p.high is not None:
        return "slider" if p.high - p.low <= 100 and isinstance(p.default, int) else "number"
    return "text"


def _default_shown(p: Param) -> Callable:
    if isinstance(p.default, float):
        return lambda v: f"{v:g}"
    if isinstance(p.default, str) and p.choices is not None and all(len(str(c)) <= 4 for c in p.choices):
        return lambda v: str(v).upper()     # cell names: RNN, LSTM, GRU
    return str


def _number(p: Param, bound):
    return type(p.default)(bound) if bound is not None else None


# --- training ---------------------------------------------------------------------------------------------------

@dataclass
class Run:
    """What a click on Train starts.

    ``train(stop, report)`` does the expensive, deterministic part (shared by identical runs on the server) and
    returns the product; ``keep(product)`` turns this session's own copy into the models it adds to the
    registry (the kit names a stopped or diverged run so). ``key`` is the run-cache key
    (:func:`rnn_core.runs.runcache.run_key`), None for a run that is not a step budget (trained for this
    session only). ``context`` is what the live view draws against (a series, the planned steps...).
    """

    label: str
    train: Callable[[Any, Callable], Any]
    keep: Callable[[Any], Sequence[TrainedModel] | TrainedModel]
    key: str | None = None
    context: Any = None
    ending: Callable[[Any], tuple[str, str]] | None = None    # product -> (message, stop reason)
    cacheable: Callable[[Any], bool] | None = None


def _ending(product: Any) -> tuple[str, str]:
    result = getattr(product, "result", None)
    return (getattr(result, "message", "") or "Trained."), getattr(result, "stop_reason", "finished")


def _deliver(run: Run, models: ModelRegistry) -> Callable:
    def deliver(product, job) -> Outcome:   # this session's own copy (identical runs are trained once per server)
        result = getattr(product, "result", None)
        if getattr(result, "steps", None) == 0:
            raise RNNLabError(getattr(result, "message", "") or "Training stopped before its first step.")
        message, reason = (run.ending or _ending)(product)
        kept = run.keep(product)
        entries = [kept] if isinstance(kept, TrainedModel) else list(kept)
        names = []
        for entry in entries:   # a model that ended its own way (one of a pair) is named by its own ending
            ended = entry.metrics.get("stop_reason", reason) if isinstance(entry.metrics, dict) else reason
            if not entry.name.endswith(tuple(ENDINGS.values())):
                entry.name += ENDINGS.get(ended, "")
            names.append(models.add(entry))
        return Outcome(tuple(names), message, reason)
    return deliver


def start(page: str, run: Run) -> Job | None:
    """Start ``run`` as page ``page``'s job (replayed or joined when an identical run exists)."""
    key = f"{page}.job"
    current = st.session_state.get(key)
    if current is not None and current.active:
        st.warning("A run is already going on this page; stop it first.")
        return None
    job = runcache.start(run.key, run.train, _deliver(run, registry()), label=run.label, cacheable=run.cacheable)
    st.session_state[key] = job
    st.session_state[f"{page}.run"] = run
    return job


def current_job(page: str) -> Job | None:
    return st.session_state.get(f"{page}.job")


def forget(page: str) -> None:
    """Forget page ``page``'s finished run (its closing line), when what it was about has changed; a run still
    going is kept."""
    job = current_job(page)
    if job is not None and not job.active:
        del st.session_state[f"{page}.job"]


def train_controls(page: str, make_run: Callable[[], Run], *, label: str = "Train", disabled: bool = False,
                   stop_help: str = "Stops training and keeps what it has so far.", widths=(1, 1, 4),
                   live: Callable[[list, Any], None] | None = None,
                   progress_text: Callable[[Any], str] | None = None,
                   done: Callable[[Outcome], str | tuple[str, str]] | None = None) -> tuple[Job | None, list]:
    """Train and Stop for page ``page``, then the run as it goes and how it ended.

    ``make_run()`` builds the :class:`Run` from the settings when Train is pressed (an :class:`RNNLabError`
    it raises is shown, and nothing starts). While the run goes, ``live(reports, context)`` draws the progress
    reports so far (every event the training reported, oldest first) under a progress bar (its line from
    ``progress_text(latest report)`` or the default). When it ends, one line says how (``done(outcome)``
    overrides it, as a text or as (text, "success" | "warning")). Returns the job and the row's remaining
    columns (for more buttons).
    """
    job = current_job(page)
    busy = job is not None and job.active
    first, second, *rest = st.columns(list(widths))
    if first.button(label, type="primary", key=f"{page}.btn_train", disabled=busy or disabled):
        try:
            start(page, make_run())
        except RNNLabError as exc:
            show_error(exc)
        job = current_job(page)
        busy = job is not None and job.active
    if second.button("Stop", key=f"{page}.btn_stop", disabled=not busy, help=stop_help):
        job.cancel()

    @st.fragment(run_every=poll_interval(job))
    def follow() -> None:
        job = current_job(page)
        if job is None:
            return
        job_status(job)
        reports = job.reports_so_far()
        if job.status == RUNNING and reports:
            latest = next((r for r in reversed(reports) if hasattr(r, "fraction")), None)
            if latest is not None:
                st.progress(latest.fraction, text=(progress_text or default_progress_text)(latest))
        if reports and job.active and live is not None:
            run = st.session_state.get(f"{page}.run")
            live(reports, run.context if run is not None else None)
        rerun_when_finished(job, page)

    follow()
    outcome = latest_outcome(page)
    if outcome is not None:
        if done is not None:
            text = done(outcome)
        elif outcome.entries:
            text = f"{outcome.message} “{outcome.entries[-1]}” is shown below."
        else:
            text = outcome.message
        text, look = text if isinstance(text, tuple) else (text, "warning" if outcome.reason in WARNINGS else "success")
        (st.warning if look == "warning" else st.success)(text)
    return job, rest


def default_progress_text(progress) -> str:
    text = f"step {progress.step:,} of {progress.planned_steps:,}"
    left = getattr(progress, "time_left", None)
    return text + (f" · about {left:.0f} s left" if left else "")


def latest_outcome(page: str) -> Outcome | None:
    job = current_job(page)
    return job.result if job is not None and not job.active and isinstance(job.result, Outcome) else None


def shown_model(page: str, kind: str, label: str = "Model", help: str | None = None, where=None,
                first: dict[str, TrainedModel] | None = None) -> TrainedModel | None:
    """The page's result slot: a choice of the session's ``kind`` models, on the latest run's as soon as it ends.

    ``first`` are models shown before the session's, that are not in its registry (a ready-made model shared by
    every visitor). None when there is no model at all.
    """
    models = {**(first or {}), **{e.name: e for e in registry().entries(kind)}}
    names = list(models)
    if not names:
        return None
    key, seen = f"{page}.shown_model", f"{page}.shown_job"
    job, outcome = current_job(page), latest_outcome(page)
    if outcome is not None and st.session_state.get(seen) != job.id:
        st.session_state[seen] = job.id          # a run just ended: show its model
        ours = [n for n in outcome.entries if n in names]
        if ours:
            st.session_state[key] = ours[-1]
    if st.session_state.get(key) not in names:
        st.session_state[key] = names[-1]
    chosen = (where or st).selectbox(label, names, key=key, help=help)
    return models[chosen]


def job_status(job: Job) -> None:
    """The job's state in a line: its place in the queue, its failure, or nothing while it runs; and, for a
    replayed or joined run, that it is one (another seed trains the learner's own)."""
    notice = getattr(job, "notice", None)
    if notice:
        st.info(notice, icon="♻️" if job.status != CANCELLED else "ℹ️")
    if job.status == QUEUED:
        position = job.queue_position
        st.info(f"Waiting for a free training slot: you are number {position or 1} in the queue. The box trains "
                "a few models at once; yours starts as soon as one finishes.", icon="⏳")
    elif job.status == FAILED:
        st.error(job.error, icon="⚠️")


def rerun_when_finished(job: Job, page: str) -> None:
    """From a polling fragment: once ``job`` has ended, rerun the whole page once to show its results."""
    seen = f"{page}.seen_job"
    if not job.active and st.session_state.get(seen) != job.id:
        st.session_state[seen] = job.id
        st.rerun()


def active_jobs() -> list[tuple[str, Job]]:
    return [(k, v) for k, v in st.session_state.items() if isinstance(v, Job) and v.active]


def jobs_sidebar() -> None:
    """A line per background job in the sidebar, so a learner on another page knows training goes on."""
    running = active_jobs()
    if not running:
        return
    with st.sidebar:
        for _, job in running:
            if job.status == RUNNING and job.progress is not None and hasattr(job.progress, "fraction"):
                st.caption(f"⏳ {job.label}: {job.progress.fraction:.0%}")
            elif job.status == RUNNING:
                st.caption(f"⏳ {job.label}")
            else:
                st.caption(f"⏳ {job.label}: waiting in the queue")


def poll_interval(job: Job | None, seconds: float = 1.0) -> float | None:
    """How often a fragment should rerun to follow ``job``: every ``seconds`` while it is active, else never.

    A learner who joins a run that others follow polls less often, up to every ``FOLLOWER_POLL_SECONDS``: each
    poll redraws the live chart (some 40 ms of Python under the server's one interpreter lock), and forty
    sessions polling every second would take all of it from the training they watch (measured: a 15 s
    training took 180 s). The interval is fixed when the page declares its fragment, so it grows with the
    followers already there: 1 s for the first two, then half a second per follower, at most 5 s.
    """
    if job is None or not job.active:
        return None
    followers = getattr(getattr(job, "shared", None), "followers", 1)
    return seconds * min(FOLLOWER_POLL_SECONDS, max(1.0, followers / 2))


# --- charts, errors, export, links ----------------------------------------------------------------------------

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


# Last, once every name above exists: a page that imports this module half-way through a rerun must not see
# a half-built module.
_route_through_app()
