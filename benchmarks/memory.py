"""The server's resident memory: idle, with 1 and with 8 sessions that each trained the Quick preset.

Starts ``streamlit run app.py`` on a free loopback port (8616-8630), drives headless Chromium sessions to the
"Train a language model" page, presses Train with the Quick preset, and reads the server's VmRSS from
``/proc/<pid>/status`` at each stage. Then it waits for the session time-to-live (``RNN_LAB_SESSION_TTL``,
set short here) while the eight tabs stay open and idle, opens one more session (whose first script run
sweeps the abandoned ones) and reads the memory again.

By default the Quick preset's time limit is turned down to its minimum (5 s) so the run takes a few
minutes; model sizes, and so the memory they hold, do not depend on the budget. ``--full`` trains the
preset unchanged (800 steps, about 20 s each).

    python benchmarks/memory.py [--full] [--ttl 60]

The last line on stdout is JSON: megabytes at each stage and the targets (idle <= 400, 8 trained <= 1500).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from e2e.servers import (free_ports, launch_chromium, memory_bytes, open_language_model_page,  # noqa: E402
                         press_train, streamlit_app, wait_for_trainings)

MB = 1024 * 1024
IDLE_TARGET_MB, EIGHT_TARGET_MB = 400, 1500


def settle(pid: int, seconds: float = 3.0) -> float:
    """Resident megabytes after a short pause (lets finished jobs and reruns wind down)."""
    time.sleep(seconds)
    return memory_bytes(pid) / MB


def train_in(pages, full: bool, deadline_s: float) -> None:
    for page in pages:
        page.locator(".st-key-lm-btn_train button").wait_for()
        if not full:
            page.locator(".st-key-lm-seconds input[type=range]").press("Home")
    time.sleep(1.0)
    for page in pages:
        press_train(page)
    finished, _ = wait_for_trainings(pages, deadline_s)
    if not all(finished):
        raise SystemExit(f"{finished.count(False)} of {len(pages)} trainings did not finish in {deadline_s:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="train the Quick preset unchanged (slower)")
    parser.add_argument("--ttl", type=float, default=60.0, help="session time-to-live for the last stage (s)")
    parser.add_argument("--max-trainings", type=int, default=2, help="RNN_LAB_MAX_TRAININGS for the server")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {"RNN_LAB_MAX_TRAININGS": str(args.max_trainings), "RNN_LAB_SESSION_TTL": str(args.ttl)}
    figures: dict[str, float] = {}
    with streamlit_app(free_ports(1)[0], env=env) as server, sync_playwright() as p:
        pid = server.pid
        figures["started_mb"] = settle(pid)
        print(f"started, no visitor:        {figures['started_mb']:7.0f} MB", file=sys.stderr)
        browser = launch_chromium(p, niceness=19)   # the visitors' browsers are not on the server
        try:
            first = browser.new_context().new_page()
            open_language_model_page(first, server.url)
            figures["idle_mb"] = settle(pid)
            print(f"idle (one visitor, no model): {figures['idle_mb']:5.0f} MB", file=sys.stderr)

            train_in([first], args.full, 300)
            figures["one_trained_mb"] = settle(pid)
            print(f"1 session trained:          {figures['one_trained_mb']:7.0f} MB", file=sys.stderr)

            others = [browser.new_context().new_page() for _ in range(7)]
            for page in others:
                page.goto(server.url + "/", wait_until="commit")
            for page in others:
                open_language_model_page(page)
            train_in(others, args.full, 600)
            figures["eight_trained_mb"] = settle(pid)
            figures["peak_mb"] = memory_bytes(pid, "VmHWM") / MB
            print(f"8 sessions trained:         {figures['eight_trained_mb']:7.0f} MB "
                  f"(peak {figures['peak_mb']:.0f} MB)", file=sys.stderr)

            # Abandoned: the tabs stay open (so Streamlit keeps the sessions) but nobody clicks any more.
            time.sleep(args.ttl + 5)
            late = browser.new_context().new_page()
            open_language_model_page(late, server.url)   # its first script run sweeps the abandoned sessions
            figures["after_ttl_mb"] = settle(pid, 5.0)
            print(f"after the TTL ({args.ttl:.0f} s):        {figures['after_ttl_mb']:7.0f} MB", file=sys.stderr)
        finally:
            browser.close()

    result = {k: round(v, 1) for k, v in figures.items()}
    result.update({
        "budget": "Quick preset" + ("" if args.full else ", time limit 5 s (slider minimum)"),
        "max_trainings": args.max_trainings, "ttl_s": args.ttl,
        "idle_target_mb": IDLE_TARGET_MB, "eight_trained_target_mb": EIGHT_TARGET_MB,
        "idle_ok": figures["idle_mb"] <= IDLE_TARGET_MB,
        "eight_trained_ok": figures["eight_trained_mb"] <= EIGHT_TARGET_MB,
    })
    print(json.dumps(result))


if __name__ == "__main__":
    main()
