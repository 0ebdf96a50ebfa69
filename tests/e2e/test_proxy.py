"""Scale-out: two replicas behind Debian's nginx (``deploy/run_two_replicas.sh``), all on loopback.

Checks that the health endpoint and the home page come through the proxy, that the websocket Streamlit needs
is upgraded through it (and carries the app to a real browser), and that one visitor always reaches the
same replica. Skipped where nginx is not installed (Debian: ``apt-get install nginx``).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .servers import CHROMIUM, ROOT, free_ports, get, launch_chromium, stop, wait_until_healthy

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.access(p, os.X_OK)),
                                      None)
if NGINX is None:
    pytest.skip("nginx is not installed (Debian: apt-get install nginx)", allow_module_level=True)

SCRIPT = ROOT / "deploy" / "run_two_replicas.sh"
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"   # RFC 6455


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """The deploy script running: yields (proxy url, replica urls, nginx's folder)."""
    run_dir = tmp_path_factory.mktemp("proxy")
    listen, *replicas = free_ports(3)
    env = {**os.environ, "LISTEN": f"127.0.0.1:{listen}", "REPLICA_PORTS": " ".join(map(str, replicas)),
           "RUN_DIR": str(run_dir), "PYTHON": sys.executable, "NGINX_BIN": NGINX, "RNN_LAB_MAX_TRAININGS": "1"}
    log = open(run_dir / "script.log", "wb")
    process = subprocess.Popen(["bash", str(SCRIPT)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{listen}"
    try:
        for port in replicas:
            wait_until_healthy(f"http://127.0.0.1:{port}/_stcore/health", 120, process)
        wait_until_healthy(f"{url}/_stcore/health", 30, process)
        yield url, [f"http://127.0.0.1:{p}" for p in replicas], run_dir
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)   # the script's trap stops nginx and both replicas
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                pass
        stop(process)                             # and anything left in its process group
        log.close()


def _upstreams(run_dir: Path) -> list[str]:
    text = (run_dir / "logs" / "access.log").read_text()
    return re.findall(r"upstream=(\S+)", text)


def test_health_and_home_page_come_through_the_proxy(proxy):
    url, replicas, run_dir = proxy
    for replica in replicas:                      # both replicas are up behind it
        assert get(f"{replica}/_stcore/health")[1].strip() == b"ok"
    status, body = get(f"{url}/_stcore/health")
    assert status == 200 and body.strip() == b"ok"
    status, body = get(f"{url}/")
    assert status == 200 and b'id="root"' in body  # Streamlit's page shell; the app arrives over the websocket
    assert set(_upstreams(run_dir)) & {r.removeprefix("http://") for r in replicas}


def test_the_charts_bundle_comes_compressed_through_the_proxy(proxy):
    """A visitor's first page shows grey placeholders until plotly.js (4.7 MB) has arrived: the proxy gzips it."""
    import gzip
    import urllib.request

    url, _, _ = proxy
    shell = get(f"{url}/")[1].decode()
    index = re.search(r'src="\.?/?(static/js/index\.[^"]+\.js)"', shell).group(1)
    script = get(f"{url}/{index}")[1].decode()
    plotly = re.search(r'(static/js/PlotlyChart\.[A-Za-z0-9_-]+\.js)', script) or re.search(
        r'(PlotlyChart\.[A-Za-z0-9_-]+\.js)', script)
    assert plotly, "the app's script no longer names the plotly chunk"
    name = plotly.group(1).split("/")[-1]
    request = urllib.request.Request(f"{url}/static/js/{name}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get("Content-Encoding") == "gzip"
        body = response.read()
    size = len(gzip.decompress(body))
    assert size > 1_000_000 and len(body) < 0.5 * size, (len(body), size)


def test_the_websocket_is_upgraded_through_the_proxy(proxy):
    url, _, _ = proxy
    host, port = url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Protocol: streamlit\r\nOrigin: {url}\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=15) as conn:
        conn.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response and len(response) < 16_384:
            chunk = conn.recv(4096)
            if not chunk:
                break
            response += chunk
    head = response.split(b"\r\n\r\n")[0].decode("latin-1")
    assert head.startswith("HTTP/1.1 101"), head
    accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
    assert re.search(rf"(?im)^sec-websocket-accept:\s*{re.escape(accept)}\s*$", head), head


def test_a_browser_gets_the_app_through_the_proxy_from_one_replica(proxy):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    url, replicas, run_dir = proxy
    before = len(_upstreams(run_dir))
    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            page.goto(url + "/")
            # The sidebar is drawn by the script run, which only arrives over the proxied websocket.
            page.get_by_test_id("stSidebarNavLink").filter(has_text="Train a language model").wait_for(
                timeout=120_000)
            assert page.locator("[data-testid=stException]").count() == 0
        finally:
            browser.close()
    log = run_dir / "logs" / "access.log"
    for _ in range(50):                           # nginx logs the websocket once it has closed
        if any("/_stcore/stream" in line for line in log.read_text().splitlines()[before:]):
            break
        time.sleep(0.1)
    served_by = set(_upstreams(run_dir)[before:])
    assert len(served_by) == 1, f"one visitor was spread over {served_by}: the proxy is not sticky"
    assert served_by <= {r.removeprefix("http://") for r in replicas}
