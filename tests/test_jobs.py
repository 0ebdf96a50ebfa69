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
