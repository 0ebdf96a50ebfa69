"""The kit's training: what a click on Train starts, the background job and its polling fragment, the closing
line, and the page's one result slot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import streamlit as st

from pages.kit.show import show_error
from rnn_core.errors import RNNLabError
from rnn_core.runs import runcache, sessions
from rnn_core.runs.jobs import CANCELLED, FAILED, QUEUED, RUNNING, Job
from rnn_core.runs.registry import ModelRegistry, Outcome, TrainedModel

REGISTRY_KEY = "models"
FOLLOWER_POLL_SECONDS = 5.0
END_MARGIN_SECONDS = 0.5   # the final evaluation and storing the model, after the last step
ENDINGS = {"stopped": " (stopped)", "diverged": " (diverged)"}
WARNINGS = ("stopped", "diverged", "time")      # endings whose closing line is a warning


def registry() -> ModelRegistry:
    """The trained models of this session (every page reads the same one)."""
    if REGISTRY_KEY not in st.session_state:
        st.session_state[REGISTRY_KEY] = ModelRegistry()
    models = st.session_state[REGISTRY_KEY]
    if sessions.touch(models):   # also frees the models of sessions abandoned for longer than the TTL
        st.info(f"Your models were cleared after {sessions.ttl_in_words()} without activity, "
                "to free memory for other visitors. Train again to continue.", icon="🧹")
    return models


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
        wait_for_the_end(job, poll_interval(job))
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


def results_or_wait(page: str, kind: str, train: str, detail: str, label: str = "Models",
                    help: str | None = None) -> TrainedModel:
    """:func:`shown_model`, or, when the session has no model yet, one line saying why (a training is under way,
    or press ``train``: ``detail``) and the end of the page's script."""
    entry = shown_model(page, kind, label, help=help)
    if entry is None:
        job = current_job(page)
        if job is not None and job.active:
            st.info("The results appear here when training ends.", icon=":material/hourglass_top:")
        else:
            st.info(f"Nothing trained yet: press **{train}** above ({detail}).", icon=":material/school:")
        st.stop()
    return entry


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


def wait_for_the_end(job: Job, interval: float | None) -> None:
    """From a polling fragment: when ``job`` should end before the next poll, wait for it here (at most the
    interval and a half second), so that its results show as soon as it ends rather than up to a poll later
    (half a second on average at one poll a second)."""
    progress = job.progress if job.status == RUNNING else None
    left, fraction = getattr(progress, "time_left", None), getattr(progress, "fraction", 0.0)
    if interval and left is not None and left < interval and fraction >= 0.9:   # the job's last run, not one of many
        job.wait(interval + END_MARGIN_SECONDS)


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
