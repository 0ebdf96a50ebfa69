"""Server time of one Next on *How an RNN works* (target: ≤ 0.3 s for a tiny network).

A Next reruns only the page's stepping fragment (Streamlit's ``st.fragment``): it draws the unrolled network,
the current step's charts and the gated cell's diagram. The page records how long that run took, in wall-clock
seconds and in CPU seconds of the script thread, under ``how.step_seconds``; this script walks the whole word
with AppTest and reads it after every click. "First visit" clicks draw every figure; "again" clicks are the
same steps a second time (as every other laptop in a workshop room gets them), served from the figure cache.
The CPU time is the figure to read on a busy shared machine, where the wall clock also counts waits for a core.

    python benchmarks/how_it_works_speed.py [--cell rnn] [--word hello] [--hidden 3] [--train 0]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="rnn", choices=("rnn", "lstm", "gru"))
    parser.add_argument("--word", default="hello")
    parser.add_argument("--hidden", type=int, default=3)
    parser.add_argument("--train", type=int, default=0)
    args = parser.parse_args()
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
