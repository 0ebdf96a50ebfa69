"""Server time of one Next on *How an RNN works* (target: ≤ 0.3 s for a tiny network), and with ``--browser``
the time a visitor waits for it in a browser (target: well under 0.5 s, the first press included).

A Next reruns only the page's stepping fragment (Streamlit's ``st.fragment``): it draws the unrolled network,
the current step's charts and the gated cell's diagram. The page records how long that run took, in wall-clock
seconds and in CPU seconds of the script thread, under ``how.step_seconds``; this script walks the whole word
with AppTest and reads it after every click. "First visit" clicks draw every figure; "again" clicks are the
same steps a second time (as every other laptop in a workshop room gets them), served from the figure cache.
The CPU time is the figure to read on a busy shared machine, where the wall clock also counts waits for a core.

    python benchmarks/how_it_works_speed.py [--cell rnn] [--word hello] [--hidden 3] [--train 0]

``--browser`` starts the app on a free loopback port and opens the page at its defaults in headless Chromium,
once per cell (RNN, LSTM, GRU, each in a fresh browser context, a fresh server's figures not yet drawn). It
presses Next as soon as the page's script run has finished (the "first press": the browser is still drawing
the page), then ``--clicks`` more times half a second apart, and times each press from the click until the
page has settled: the position counter changed, Streamlit's script state back to ``notRunning`` and its
status widget gone. It also reads, from Chromium's own counters, how much CPU time the page's main thread
spent on each Next (drawing included), the figure least disturbed by other work on a shared machine.

    python benchmarks/how_it_works_speed.py --browser [--clicks 6]

Measured on the project's 2-core machine while three other agents used it (load average 5 to 11, so wall times
vary by a factor of two or more between runs; the main thread's CPU time much less). The page's diagrams (the
unrolled network, the LSTM/GRU cells, the gallery's eight shapes) were plotly charts; they are SVG pictures now.
Side by side, the old page and the new on two servers, alternating, at load 8 to 10, main-thread CPU per Next
(median of 7, two rounds): LSTM 0.59 and 0.50 s before, 0.41 and 0.32 s after; RNN 0.48 and 0.37 s before, 0.33
and 0.29 s after; GRU 0.53 and 0.45 s before, 0.29 and 0.33 s after; opening the page 1.9–2.2 s before, 1.5–1.7 s
after. Wall clock, click to settled, before: median 0.17–0.53 s at load 2 to 5, and the first press 1.4–2.4 s
(up to 12 s at load 11), the page's 15 plotly charts still being drawn when it came; after, at load 10: median
0.56–1.08 s and first press 3.5–4.4 s, the machine's two cores shared by ten running processes. The server's
part of a first-visit Next (AppTest, above) went from 0.20 to 0.07 s of CPU for the LSTM.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RNN_LAB_TORCH_THREADS", "1")


def walk_once(at, clicks: int) -> tuple[list, list, list]:
    wall, cpu, apptest = [], [], []
    for _ in range(clicks):
        start = time.perf_counter()
        at.button(key="how.btn_next").click().run()
        apptest.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        seconds = at.session_state["how.step_seconds"]
        wall.append(seconds["wall"])
        cpu.append(seconds["cpu"])
    return wall, cpu, apptest


SETTLED = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')
  === 'notRunning' && !document.querySelector('[data-testid="stStatusWidget"]')"""
POSITION = """() => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
  .find(e => e.innerText.startsWith('Position '))?.innerText ?? null"""
MOVED = """(before) => {
  const info = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
    .find(e => e.innerText.startsWith('Position '));
  return info !== undefined && info.innerText !== before && (""" + SETTLED + """)();
}"""


def main_thread_seconds(cdp) -> float:
    """CPU seconds Chromium's main thread of the page has used so far (its ``ThreadTime`` counter)."""
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}["ThreadTime"]


def press_next(page, cdp) -> tuple[float, float]:
    """Click Next; seconds from the click until the page has settled, and the main thread's CPU seconds for it
    (counted until one second after it settled, so that charts drawn after the counter changed count too)."""
    before, cpu = page.evaluate(POSITION), main_thread_seconds(cdp)
    start = time.perf_counter()
    page.get_by_role("button", name="Next").first.click()
    page.wait_for_function(MOVED, arg=before, timeout=120_000, polling="raf")
    seconds = time.perf_counter() - start
    page.wait_for_timeout(1000)
    return seconds, main_thread_seconds(cdp) - cpu


def browser(clicks: int) -> None:
    """Click to settled per Next in headless Chromium, for each cell (see the module's docstring)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from e2e.servers import free_ports, launch_chromium, streamlit_app
    from playwright.sync_api import sync_playwright

    result = {"clicks": clicks}
    with sync_playwright() as p, streamlit_app(free_ports(1)[0]) as server:
        chromium = launch_chromium(p)
        for cell in ("rnn", "lstm", "gru"):
            context = chromium.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
            start = time.perf_counter()
            page.goto(f"{server.url}/how_it_works?cell={cell}")
            page.get_by_text("Position 1 of").wait_for(timeout=120_000)
            page.wait_for_function(SETTLED, timeout=120_000, polling=20)
            opened = time.perf_counter() - start
            first, first_cpu = press_next(page, cdp)
            later = [press_next(page, cdp) for _ in range(clicks)]
            wall, cpu = [s for s, _ in later], [c for _, c in later]
            result[cell] = {"open_s": round(opened, 3), "first_press_s": round(first, 3),
                            "first_press_cpu_s": round(first_cpu, 3),
                            "median_press_s": round(statistics.median(wall), 3), "max_press_s": round(max(wall), 3),
                            "median_press_cpu_s": round(statistics.median(cpu), 3)}
            print(f"{cell:>4}: first Next {first:.3f} s ({first_cpu:.3f} s main-thread CPU); later Nexts median "
                  f"{statistics.median(wall):.3f} s, max {max(wall):.3f} s ({statistics.median(cpu):.3f} s CPU)",
                  file=sys.stderr)
            context.close()
        chromium.close()
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="rnn", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--word", default="hello")
    parser.add_argument("--hidden", type=int, default=3)
    parser.add_argument("--train", type=int, default=0)
    parser.add_argument("--browser", action="store_true", help="time each Next in headless Chromium instead")
    parser.add_argument("--clicks", type=int, default=6, help="with --browser: Nexts after the first (at most 6)")
    args = parser.parse_args()
    if args.browser:
        browser(min(max(args.clicks, 1), 6))
        return
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"word": args.word, "cell": args.cell, "hidden": str(args.hidden),
                            "train": str(args.train)})
    at.run()
    at.switch_page("pages/how_it_works.py").run()
    assert not at.exception and not at.error, (at.exception, at.error)
    clicks = 2 * (len(args.word) - 1) - 1
    result = {"cell": args.cell, "word": args.word, "hidden": args.hidden, "train": args.train, "clicks": clicks}
    for name in ("first_visit", "again"):
        wall, cpu, apptest = walk_once(at, clicks)
        result[name] = {"median_wall_s": round(statistics.median(wall), 4), "max_wall_s": round(max(wall), 4),
                        "median_cpu_s": round(statistics.median(cpu), 4), "max_cpu_s": round(max(cpu), 4),
                        "median_apptest_rerun_s": round(statistics.median(apptest), 4)}
        print(f"{name:>11}: one Next {statistics.median(wall):.3f} s wall (max {max(wall):.3f}), "
              f"{statistics.median(cpu):.3f} s CPU (max {max(cpu):.3f}); AppTest's whole rerun "
              f"{statistics.median(apptest):.3f} s", file=sys.stderr)
        at.button(key="how.btn_restart").click().run()
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
