"""A room of forty on one server: forty sessions open the workshop link and press Train at step 5.

Phase 1 (identical): every session opens ``/?workshop=1&step=5`` (the Quick LSTM, seed 0, 1,000 steps) and
the forty clicks on Train are spread over 30 s; the run cache trains it once, the sessions that click while it
trains join it, and the later ones get a replay. Phase 2 (distinct): the same forty sessions each set their own
seed and press Train again within 30 s, so forty different models train, ``RNN_LAB_MAX_TRAININGS`` at a time.

The sessions are websocket clients that speak Streamlit's protocol (protobuf messages on ``/_stcore/stream``,
fragment auto-reruns included, as the browser does), in one process at ``nice 19`` so the load generator does
not starve the server; the health endpoint is sampled every 0.2 s by this process. Each session checks that its
model list holds its own models only and reads its model's training time from the page.

    nice -n 10 python benchmarks/room.py [--sessions 40] [--port 8631] [--skip-distinct]

Prints a table, then a JSON last line: sessions, identical_last_model_s, distinct_last_model_s,
one_training_s, distinct_target_s, health_p95_ms, health_max_ms, peak_mb, failures. Takes about 2 minutes for
phase 1 and (40 / cap) trainings' time for phase 2 (about 6 minutes on a quiet 2-core box).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

WORKSHOP_QUERY = "workshop=1&step=5"
IDENTICAL_NAME = "LSTM 128 · lr 0.02 · seed 0 · Python documentation (char)"
QUEUE = re.compile(rb"you are number (\d+) in the queue")
TRAIN_TIME = re.compile(rb"([\d,]+) steps in ([\d.]+) s(?: on the \w+)? \(")   # "... 6.6 s on the CPU (..."


# --- one learner: a websocket client of the Streamlit server ------------------------------------------------

class Learner:
    """One browser tab, as Streamlit's frontend drives it: open the link, follow fragment auto-reruns, click."""

    def __init__(self, url: str, index: int):
        self.url, self.index = url, index
        self.ids: dict[str, str] = {}         # widget key -> widget id
        self.options: dict[str, list] = {}    # selectbox key -> its options
        self.page_hash, self.query, self.running = "", WORKSHOP_QUERY, False
        self.timers: dict[str, list] = {}     # fragment id -> [interval, next due]
        self.ws = None
        self.events: list[tuple[float, str]] = []
        self.reset_round()

    def reset_round(self, expected: str = IDENTICAL_NAME) -> None:
        self.expected = expected              # the name of the model this round must bring
        self.clicked = self.done = None
        self.places: set[int] = set()
        self.notice, self.train_s, self.errors = "", None, []

    async def open(self) -> None:
        import websockets
        self.ws = await websockets.connect(self.url.replace("http", "ws", 1) + "/_stcore/stream",
                                           subprotocols=["streamlit"], max_size=None, open_timeout=120,
                                           ping_interval=None)
        self.reader = asyncio.create_task(self.read())
        self.ticker = asyncio.create_task(self.tick())
        await self.rerun()
        while "lm.btn_train" not in self.ids or self.running:
            await asyncio.sleep(0.2)

    async def rerun(self, states=(), fragment: str = "") -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        msg = BackMsg()
        run = msg.rerun_script
        run.query_string, run.page_script_hash = self.query, self.page_hash
        if fragment:
            run.fragment_id, run.is_auto_rerun = fragment, True
        for state in states:
            run.widget_states.widgets.append(state)
        self.running = True
        await self.ws.send(msg.SerializeToString())

    async def click_train(self, seed: int | None = None) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        states = [WidgetState(id=self.ids["lm.btn_train"], trigger_value=True)]
        if seed is not None:
            states.append(WidgetState(id=self.ids["lm.seed"], int_value=seed))
        self.clicked = time.monotonic()
        await self.rerun(states)

    async def tick(self) -> None:
        """Fragment auto-reruns, one at a time, as the frontend sends them while the page polls a job."""
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            for fragment, timer in list(self.timers.items()):
                if now >= timer[1] and not self.running:
                    timer[1] = now + timer[0]
                    await self.rerun(fragment=fragment)

    async def read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        try:
            async for raw in self.ws:
                self.handle(ForwardMsg.FromString(raw), raw)
        except Exception as exc:   # a closed socket mid-round is a failure of that session
            if self.clicked and not self.done:
                self.errors.append(f"connection: {type(exc).__name__}")

    def handle(self, msg, raw: bytes) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash
            if not list(msg.metadata.run.fragment_ids):
                self.timers.clear()     # a full run declares its polling fragments again
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "session_status_changed":
            self.running = msg.session_status_changed.script_is_running
        elif kind == "script_finished":
            self.running = False
        elif kind == "auto_rerun":
            self.timers[msg.auto_rerun.fragment_id] = [msg.auto_rerun.interval, time.monotonic() + msg.auto_rerun.interval]
        elif kind == "stop_auto_rerun":
            for fragment in msg.stop_auto_rerun.fragment_ids:
                self.timers.pop(fragment, None)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            inner = getattr(element, element.WhichOneof("type") or "empty", None)
            widget = getattr(inner, "id", "") if inner is not None else ""
            if widget and "-" in widget:
                key = widget.split("-", 2)[-1]
                self.ids[key] = widget
                if element.WhichOneof("type") == "selectbox":
                    self.options[key] = list(inner.options)
            if element.WhichOneof("type") == "exception":
                self.errors.append("exception: " + element.exception.message[:200])
        if self.clicked and not self.done:
            self.places.update(int(n) for n in QUEUE.findall(raw))
            if b"A replay of an identical run" in raw:
                self.notice = "replay"
            elif b"An identical run (same data" in raw and not self.notice:
                self.notice = "joined"
            if self.expected in self.options.get("lm.shown_model", []):
                self.done = time.monotonic()
        if self.done and self.train_s is None and (found := TRAIN_TIME.search(raw)):
            self.train_s = float(found.group(2))

    async def close(self) -> None:
        for task in (self.reader, self.ticker):
            task.cancel()
        await self.ws.close()


async def room(url: str, sessions: int, spread: float, deadline: float, distinct: bool) -> dict:
    learners = [Learner(url, i) for i in range(sessions)]
    start = time.monotonic()
    for k in range(0, sessions, 8):   # the room arrives over a few seconds
        await asyncio.gather(*(l.open() for l in learners[k:k + 8]))
    rounds = {}
    for name, seeds in (("identical", [None] * sessions), ("distinct", [1000 + i for i in range(sessions)])):
        if name == "distinct" and not distinct:
            break
        for learner, seed in zip(learners, seeds):
            learner.reset_round(IDENTICAL_NAME.replace("seed 0", f"seed {seed}") if seed else IDENTICAL_NAME)
        first = time.monotonic()
        for i, (learner, seed) in enumerate(zip(learners, seeds)):
            await asyncio.sleep(max(0.0, first + spread * i / max(1, sessions - 1) - time.monotonic()))
            while learner.running:
                await asyncio.sleep(0.05)
            await learner.click_train(seed)
        while any(l.done is None and not l.errors for l in learners) and time.monotonic() - first < deadline:
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)   # the final full run that lists the models
        while any(l.running for l in learners) and time.monotonic() - first < deadline + 30:
            await asyncio.sleep(0.2)
        rows = []
        for learner, seed in zip(learners, seeds):
            own = [o for o in learner.options.get("lm.shown_model", [])]
            expected = {IDENTICAL_NAME} | ({IDENTICAL_NAME.replace("seed 0", f"seed {seed}")} if seed else set())
            rows.append({"session": learner.index + 1, "clicked_s": round(learner.clicked - first, 1),
                         "model_s": round(learner.done - first, 1) if learner.done else None,
                         "wait_s": round(learner.done - learner.clicked, 1) if learner.done else None,
                         "queue_places": sorted(learner.places), "notice": learner.notice,
                         "train_s": learner.train_s, "models_ok": set(own) == expected,
                         "models": own, "errors": learner.errors})
        rounds[name] = rows
    for learner in learners:
        await learner.close()
    return {"rounds": rounds, "opened_s": None, "total_s": time.monotonic() - start}


# --- the server, its health and memory ----------------------------------------------------------------------

class Health(threading.Thread):
    """Asks ``/_stcore/health`` every 0.2 s and keeps each answer's latency (a failure counts as 10 s)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.latencies, self.failures, self.stop = url, [], 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as answer:
                    ok = answer.read().strip() == b"ok"
            except OSError:
                ok = False
            self.latencies.append(time.perf_counter() - began if ok else 10.0)
            self.failures += not ok
            self.stop.wait(0.2)


def summarize(rounds: dict, health: Health, peak_mb: float, cap: int, sessions: int) -> dict:
    def last(rows):
        times = [r["model_s"] for r in rows]
        return max(times) if times and None not in times else None

    failures = sum(1 for rows in rounds.values() for r in rows
                   if r["model_s"] is None or r["errors"] or not r["models_ok"])
    distinct = rounds.get("distinct", [])
    trained = [r["train_s"] for r in distinct if r["train_s"]]
    one = statistics.median(trained) if trained else None
    p95 = statistics.quantiles(health.latencies, n=20)[-1] if len(health.latencies) >= 20 else max(health.latencies)
    return {"sessions": sessions, "identical_last_model_s": last(rounds["identical"]),
            "identical_notices": {n: sum(r["notice"] == n for r in rounds["identical"]) for n in ("", "joined", "replay")},
            "distinct_last_model_s": last(distinct) if distinct else None,
            "one_training_s": one, "distinct_target_s": round(1.2 * sessions / cap * one, 1) if one else None,
            "health_p95_ms": round(p95 * 1000), "health_max_ms": round(max(health.latencies) * 1000),
            "health_samples": len(health.latencies), "health_failures": health.failures,
            "peak_mb": round(peak_mb), "failures": failures, "max_trainings": cap}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--port", type=int, default=None, help="a free port among 8631-8639 by default")
    parser.add_argument("--spread", type=float, default=30.0, help="seconds over which the clicks come")
    parser.add_argument("--skip-distinct", action="store_true")
    parser.add_argument("--clients", help=argparse.SUPPRESS)   # internal: run the load generator against a URL
    args = parser.parse_args()
    cap = int(os.environ.get("RNN_LAB_MAX_TRAININGS", "2"))
    if args.clients:
        deadline = 60 + 3 * args.sessions / cap * 30
        result = asyncio.run(room(args.clients, args.sessions, args.spread, deadline, not args.skip_distinct))
        print(json.dumps(result))
        return

    from e2e.servers import free_ports, memory_bytes, streamlit_app
    port = args.port or free_ports(1, range(8631, 8640))[0]
    env = {"RNN_LAB_MAX_TRAININGS": str(cap), "RNN_LAB_TORCH_THREADS": "1"}
    log = Path("/tmp") / f"rnn-lab-room-{port}.log"
    with streamlit_app(port, env=env, log_path=log, timeout=120) as server:
        health = Health(server.url + "/_stcore/health")
        health.start()
        command = ["nice", "-n", "19", sys.executable, __file__, "--clients", server.url,
                   "--sessions", str(args.sessions), "--spread", str(args.spread)]
        if args.skip_distinct:
            command.append("--skip-distinct")
        began = time.monotonic()
        out = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env})
        health.stop.set()
        health.join(15)
        peak_mb = memory_bytes(server.pid, "VmHWM") / 2**20
    if out.returncode != 0:
        sys.exit(f"the load generator failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for name, rows in result["rounds"].items():
        print(f"\n{name}: session, clicked s, model s, wait s, queue places, notice, train s, own models only")
        for r in rows:
            print(f"  {r['session']:3d} {r['clicked_s']:6.1f} {r['model_s'] if r['model_s'] is not None else '—':>6} "
                  f"{r['wait_s'] if r['wait_s'] is not None else '—':>6} {str(r['queue_places'][:3])[:14]:14s} "
                  f"{r['notice'] or '-':7s} {r['train_s'] or '-':>5} {'yes' if r['models_ok'] else r['models']}"
                  + (f" {r['errors']}" if r["errors"] else ""))
    summary = summarize(result["rounds"], health, peak_mb, cap, args.sessions)
    summary["load_average"] = os.getloadavg()
    summary["wall_s"] = round(time.monotonic() - began)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
