"""What every page shares: the session's model registry, background jobs, errors and chart captions.

Session-state keys are namespaced by page (``lm.``, ``generate.``, ``compare.`` ...). Widget keys that hold
a setting are kept when the learner visits another page (see :func:`keep_widget_state`); keys that contain
``.btn`` or ``.upload`` are buttons and uploaders, which Streamlit does not let us set.
"""

from __future__ import annotations

import streamlit as st

from rnn_core.runs import runcache
from rnn_core.runs import sessions
from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from rnn_core.runs.registry import ModelRegistry

REGISTRY_KEY = "models"


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

_NOT_SETTABLE = (".btn", ".upload", ".fragment", ".editor")


def registry() -> ModelRegistry:
    """The trained models of this session (every page reads the same one)."""
    if REGISTRY_KEY not in st.session_state:
        st.session_state[REGISTRY_KEY] = ModelRegistry()
    models = st.session_state[REGISTRY_KEY]
    if sessions.touch(models):   # also frees the models of sessions abandoned for longer than the TTL
        st.info(f"Your models were cleared after {sessions.ttl_in_words()} without activity, "
                "to free memory for other visitors. Train again to continue.", icon="🧹")
    return models


def keep_widget_state() -> None:
    """Stop Streamlit from forgetting a page's settings when the learner visits another page.

    Widgets' values are dropped when their page is not shown; writing a key back to itself turns it into
    ordinary session state, which survives (Streamlit's documented work-around).
    """
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and "." in key and not any(part in key for part in _NOT_SETTABLE):
            try:
                st.session_state[key] = st.session_state[key]
            except st.errors.StreamlitAPIException:
                pass


def chart(fig, caption: str, key: str | None = None) -> None:
    """A plotly chart with its one- or two-line "how to read it" caption underneath."""
    st.plotly_chart(fig, key=key)
    st.caption(caption)


def show_error(exc: Exception) -> None:
    st.error(str(exc), icon="⚠️")


def start_job(key: str, work, label: str) -> Job | None:
    """Start ``work(job)`` in the background and keep the job under ``key`` in the session."""
    current = st.session_state.get(key)
    if current is not None and current.active:
        st.warning("A run is already going on this page; stop it first.")
        return None
    job = Job(work, label).start()
    st.session_state[key] = job
    return job


def start_shared_job(key: str, label: str, run_key: str | None, train, deliver, **options) -> Job | None:
    """Start a training that identical requests on this server share (:mod:`rnn_core.runs.runcache`).

    ``run_key`` (:func:`rnn_core.runs.runcache.run_key`, or None when the run is not a step budget) identifies the
    run; ``train(stop, report)`` trains and returns the result; ``deliver(copy, job)`` puts this session's
    own copy in its registry and returns what the page shows. A run finished earlier is replayed, one in
    flight is joined, and :func:`job_status` says so in a line.
    """
    current = st.session_state.get(key)
    if current is not None and current.active:
        st.warning("A run is already going on this page; stop it first.")
        return None
    job = runcache.start(run_key, train, deliver, label=label, **options)
    st.session_state[key] = job
    return job


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


def run_controls(key: str, start, *, start_key: str, stop_key: str, label: str = "Train", disabled: bool = False,
                 stop_help: str = "Stops training and keeps what it has so far.", widths=(1, 1, 4)):
    """The Train and Stop buttons of a page's background job ``key``; ``start()`` launches the job.

    Returns the job (the new one after a click) and the row's remaining columns, for more buttons.
    """
    job = st.session_state.get(key)
    busy = job is not None and job.active
    first, second, *rest = st.columns(list(widths))
    if first.button(label, type="primary", key=start_key, disabled=busy or disabled):
        try:
            start()
        except RNNLabError as exc:
            show_error(exc)
        job = st.session_state.get(key)
        busy = job is not None and job.active
    if second.button("Stop", key=stop_key, disabled=not busy, help=stop_help):
        job.cancel()
    return job, rest


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
            if job.status == RUNNING and job.progress is not None:
                st.caption(f"⏳ {job.label}: {job.progress.fraction:.0%}")
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


FOLLOWER_POLL_SECONDS = 5.0


__all__ = ["registry", "keep_widget_state", "chart", "show_error", "start_job", "start_shared_job", "job_status",
           "active_jobs", "jobs_sidebar", "poll_interval", "RNNLabError", "DONE", "FAILED", "RUNNING", "QUEUED"]


# Last, once every name above exists: a page that imports this module half-way through a rerun must not see
# a half-built module.
_route_through_app()
