"""Shared test set-up: the project root on sys.path, one torch thread, paths to the shared data, and the markers
``claims`` and ``e2e`` given by folder (see pytest.ini)."""

import http.server
import sys
import threading
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

torch.set_num_threads(1)   # tests are small; one thread keeps them deterministic and polite on shared CI


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` (real data sets for tests); the test is skipped where it is absent."""
    if not DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return DATA


def _route_every_apptest_run_through_app() -> None:
    """Make each AppTest run route like a running server's sessions do: through app.py's ``st.navigation``.

    AppTest starts every run as if it were a fresh server's first session, in which Streamlit routes by the
    file names in ``pages/`` (its old multipage behaviour) and, once a page's address equals its file name,
    runs that page file alone, without the router (no sidebar, no workshop panel). A server does that only
    for its very first session (see tests/e2e/test_first_visit.py); every later one goes through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager.__init__, "routes_through_app", False):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init.routes_through_app = True
    PagesManager.__init__ = init


_route_every_apptest_run_through_app()


def app_test(page: str | None = None, timeout: float = 60):
    """An AppTest of the whole app (router included), switched to ``page`` (e.g. ``"pages/generate.py"``)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


@pytest.fixture
def http_server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving ``tmp_path / "www"``: the downloads' tests fetch from it."""
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


TESTS = Path(__file__).resolve().parent
FOLDER_MARKERS = {"claims": "claims", "e2e": "e2e"}   # tests/<folder>/... -> marker


def pytest_collection_modifyitems(config, items):
    """Mark every test under ``tests/claims/`` with ``claims`` and every test under ``tests/e2e/`` with ``e2e``.

    ``slow`` is not given here: it is written on the slow tests themselves, from measured durations.
    """
    for item in items:
        try:
            folder = Path(item.path).resolve().relative_to(TESTS).parts[0]
        except (ValueError, IndexError):
            continue
        marker = FOLDER_MARKERS.get(folder)
        if marker is not None:
            item.add_marker(marker)
