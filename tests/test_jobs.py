"""Background jobs: a server-wide cap, a visible queue, cancellation and errors for the user."""

import threading
import time

from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import CANCELLED, DONE, FAILED, Job, Slots


def _wait_until(condition, timeout=10.0):
    end = time.time() + timeout
    while not condition() and time.time() < end:
        time.sleep(0.01)
    return condition()


def test_jobs_beyond_the_cap_wait_in_order_and_show_their_place():
    slots = Slots(1)
    release = threading.Event()
    first = Job(lambda job: release.wait(10) and "first", slots=slots).start()
    assert _wait_until(lambda: first.status == "running")
    second = Job(lambda job: "second", slots=slots).start()
    third = Job(lambda job: "third", slots=slots).start()
    assert _wait_until(lambda: third.queue_position == 2)
    assert second.queue_position == 1 and second.status == "queued"
    release.set()
    for job in (first, second, third):
        job.wait(10)
    assert [j.result for j in (first, second, third)] == ["first", "second", "third"]
    assert all(j.status == DONE for j in (first, second, third)) and slots.running == 0


def test_a_queued_job_can_be_cancelled():
    slots = Slots(1)
    release = threading.Event()
    busy = Job(lambda job: release.wait(10), slots=slots).start()
    assert _wait_until(lambda: busy.status == "running")
    waiting = Job(lambda job: "never", slots=slots).start()
    assert _wait_until(lambda: waiting.queue_position == 1)
    waiting.cancel()
    waiting.wait(5)
    assert waiting.status == CANCELLED and waiting.result is None
    release.set()
    busy.wait(5)


def test_user_errors_and_bugs_become_messages():
    def user_error(job):
        raise RNNLabError("The text is empty.")

    def bug(job):
        raise KeyError("oops")
    a = Job(user_error, slots=Slots(2)).start().wait(5)
    b = Job(bug, slots=Slots(2)).start().wait(5)
    assert a.status == FAILED and a.error == "The text is empty."
    assert b.status == FAILED and "unexpectedly" in b.error and "KeyError" in b.traceback


def test_progress_reports_are_kept_in_order():
    def work(job):
        for i in range(5):
            job.report(i)
        return "ok"
    job = Job(work, slots=Slots(1)).start().wait(5)
    assert job.reports_so_far() == [0, 1, 2, 3, 4] and job.progress == 4


def _at_step(step: int, release: threading.Event) -> Job:
    """A job that reports step ``step`` of 100 with 0.2 s left, then ends when ``release`` is set."""
    from rnn_core.runs.loop import Progress

    def work(job):
        job.report(Progress(step, 100, 1.0, 0.01, 1.0, step / 10, 0.2, 1000.0))
        release.wait(10)
        return "done"
    return Job(work, slots=Slots(1)).start()


def test_a_poll_just_before_the_end_waits_for_it_and_one_mid_run_does_not():
    """The page's poll: when the last run's estimate says it ends before the next poll, the poll waits for the
    end (so the model shows at once, not a poll later); in the middle of a run it returns at once."""
    from pages.kit.training import wait_for_the_end
    release = threading.Event()
    job = _at_step(95, release)
    assert _wait_until(lambda: job.progress is not None)
    threading.Timer(0.3, release.set).start()
    start = time.perf_counter()
    wait_for_the_end(job, 1.0)
    assert not job.active and job.result == "done"
    assert time.perf_counter() - start < 1.5
    release = threading.Event()
    job = _at_step(50, release)
    assert _wait_until(lambda: job.progress is not None)
    wait_for_the_end(job, 1.0)
    assert job.active          # returned without waiting: the run is only half way
    release.set()
    job.wait(10)
