"""A workshop room in miniature: eight browsers press Train at once on one server.

Every session must finish its training (those beyond the server's cap wait in the queue and say so), the
health endpoint must keep answering quickly while they train, and no learner may see another's model.
Runs against a real ``streamlit run app.py`` on 127.0.0.1 with headless Chromium; takes about two minutes.
"""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from .servers import (CHROMIUM, ROOT, choose_quickest_settings, free_ports, launch_chromium,
                      open_language_model_page, press_train, streamlit_app, wait_for_trainings)

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

SESSIONS = 8
CAP = 2                                   # RNN_LAB_MAX_TRAININGS: trainings at once on a 2-core box
CELLS = ("RNN", "LSTM", "GRU")            # each session picks one, so its model's name says whose it is
SHOTS = ROOT / "test-artifacts" / "load"
TRAINING_DEADLINE = 180                   # seconds from the eight clicks (about 40 s on an idle 2-core box)


class HealthSampler(threading.Thread):
    """Asks ``/_stcore/health`` every 0.2 s and keeps each answer's latency (a failure counts as 10 s)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.latencies, self.failures = url, [], 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    ok = response.status == 200 and response.read().strip() == b"ok"
            except OSError:
                ok = False
            self.latencies.append(time.perf_counter() - start if ok else 10.0)
            self.failures += not ok
            self.done.wait(0.2)

    def p95(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[-1]


def _model_names_on(page) -> set[str]:
    """Which cells' models this session's page names ("LSTM 128 · ..."), anywhere under "Your models"."""
    text = page.locator("[data-testid=stMain]").text_content()
    return {cell for cell in CELLS if f"{cell} 128 ·" in text}


def test_eight_sessions_train_at_once_queue_visibly_and_keep_their_models_apart():
    SHOTS.mkdir(parents=True, exist_ok=True)
    port = free_ports(1)[0]
    env = {"RNN_LAB_MAX_TRAININGS": str(CAP), "RNN_LAB_TORCH_THREADS": "1"}
    with streamlit_app(port, env=env, log_path=SHOTS / "server.log") as server, \
            playwright_api.sync_playwright() as p:
        health = HealthSampler(f"{server.url}/_stcore/health")
        health.start()
        browser = launch_chromium(p, niceness=19)   # the visitors' browsers are not on the server
        try:
            pages = [browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
                     for _ in range(SESSIONS)]
            started = time.monotonic()
            for page in pages:
                page.goto(server.url + "/", wait_until="commit")
            for page in pages:
                open_language_model_page(page)
            print(f"{SESSIONS} pages open after {time.monotonic() - started:.0f} s")
            cells = [CELLS[i % len(CELLS)] for i in range(SESSIONS)]
            for page, cell in zip(pages, cells):
                choose_quickest_settings(page, cell)
            print(f"settings chosen after {time.monotonic() - started:.0f} s")
            for page in pages:
                press_train(page)
            finished, places = wait_for_trainings(pages, TRAINING_DEADLINE)
            print(f"trainings finished after {time.monotonic() - started:.0f} s; queue places seen: {places}")
            for i, page in enumerate(pages):
                page.screenshot(path=str(SHOTS / f"session-{i + 1}.png"), full_page=True)
            late = [i + 1 for i, done in enumerate(finished) if not done]
            assert not late, f"sessions {late} were still training {TRAINING_DEADLINE} s after the clicks"

            # Beyond the cap, trainings waited in the queue and said where they stood.
            assert any(places), "no session showed the queue message, though 8 trainings share 2 slots"
            assert max(max(p) for p in places if p) <= SESSIONS - CAP

            # Each session sees exactly its own model: its own cell's name only (the eight sessions used all
            # three cells), no "#2" copies, and no
            # "Compare your runs" section (the page shows it as soon as a session holds two models).
            for page, cell in zip(pages, cells):
                assert page.locator("[data-testid=stException]").count() == 0
                text = page.locator("[data-testid=stMain]").text_content()
                assert _model_names_on(page) == {cell} and "#2" not in text, _model_names_on(page)
                assert page.get_by_text("Compare your runs").count() == 0
        finally:
            health.done.set()
            health.join(15)
            browser.close()

    assert len(health.latencies) >= 50, "the health sampler hardly ran"
    p95 = health.p95()
    print(f"health: {len(health.latencies)} samples, p95 {p95 * 1000:.0f} ms, "
          f"max {max(health.latencies) * 1000:.0f} ms, failures {health.failures}")
    assert health.failures == 0
    assert p95 < 1.0, f"health endpoint p95 {p95:.2f} s while 8 sessions trained"
