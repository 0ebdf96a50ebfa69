"""Start and stop real servers for the load, proxy and memory checks: ``streamlit run app.py`` on loopback.

Everything listens on 127.0.0.1 only, on ports 8616-8630, and every process started here is stopped by its
own id when the ``with`` block ends (even when the test fails).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(8616, 8631)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_ports(count: int = 1, candidates=PORTS) -> list[int]:
    """``count`` loopback ports from ``candidates`` that nothing listens on right now."""
    found = []
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports among {candidates}")


def get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_until_healthy(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    """Poll ``url`` (a health endpoint) until it answers "ok"; fail early if ``process`` died."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode} before it was healthy")
        try:
            if get(url, timeout=2)[1].strip() == b"ok":
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process we started (and the children in its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)   # its own group: start_new_session=True below
    except ProcessLookupError:
        return
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@contextmanager
def streamlit_app(port: int | None = None, env: dict | None = None, log_path: Path | None = None,
                  timeout: float = 90.0):
    """``streamlit run app.py`` on 127.0.0.1:``port`` with extra environment ``env``; yields a :class:`Server`."""
    port = port or free_ports(1)[0]
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(f"{url}/_stcore/health", timeout, process)
        yield Server(url, process)
    finally:
        stop(process)
        if log_path:
            log.close()


def memory_bytes(pid: int, field: str = "VmRSS") -> int:
    """A process's memory from ``/proc/<pid>/status``: ``VmRSS`` (resident now) or ``VmHWM`` (its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for process {pid}")


def launch_chromium(playwright, niceness: int = 0):
    """Debian's Chromium, headless. ``niceness`` > 0 runs it at a lower CPU priority than the server: the
    load test's eight browsers stand for visitors' own machines, so they must not eat the server's cores."""
    executable = CHROMIUM
    if niceness > 0:
        wrapper = Path(tempfile.mkdtemp(prefix="rnn-lab-chromium-")) / "chromium"
        wrapper.write_text(f'#!/bin/sh\nexec nice -n {int(niceness)} "{CHROMIUM}" "$@"\n')
        wrapper.chmod(0o755)
        executable = str(wrapper)
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


# --- driving the "Train a language model" page in a browser ------------------------------------------------

QUEUE_MESSAGE = re.compile(r"Waiting for a free training slot: you are number (\d+)")


def open_language_model_page(page, url: str | None = None) -> None:
    """Through the sidebar, as a learner would (``url``: load the home page first; else it is loading)."""
    if url is not None:
        page.goto(url + "/", wait_until="commit")
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Train a language model").click(timeout=120_000)
    page.locator(".st-key-lm-btn_train button").wait_for(timeout=120_000)


def choose_quickest_settings(page, cell: str | None = None) -> None:
    """The Quick preset with the smallest time (and step) budget the sliders allow; ``cell``: "RNN", "LSTM"..."""
    if cell is not None:
        page.locator(".st-key-lm-cell").get_by_text(cell, exact=True).click()
    sliders = [page.locator(f".st-key-{key} input[type=range]") for key in ("lm-seconds", "lm-steps")]
    sliders = [s for s in sliders if s.count()]   # the step budget is optional: older pages have only the time
    seconds = sliders[0]
    for _ in range(60):                   # bounded: press again until the value has gone round a rerun
        low = [s for s in sliders if s.input_value() != s.get_attribute("min")]
        if not low:
            return
        for slider in low:
            slider.press("Home")
        time.sleep(0.5)
    raise AssertionError(f"the time limit stayed at {seconds.input_value()} s")


def press_train(page) -> None:
    page.locator(".st-key-lm-btn_train button").click()


def wait_for_trainings(pages, deadline_s: float) -> tuple[list[bool], list[set[int]]]:
    """Poll every page until its "Your models" section shows; returns (finished, queue places seen) per page."""
    finished, places = [False] * len(pages), [set() for _ in pages]
    deadline = time.monotonic() + deadline_s
    while not all(finished) and time.monotonic() < deadline:
        for i, page in enumerate(pages):
            if not finished[i]:
                text = page.locator("[data-testid=stMain]").inner_text()
                places[i].update(int(n) for n in QUEUE_MESSAGE.findall(text))
                finished[i] = "Your models" in text
        time.sleep(0.5)
    return finished, places
