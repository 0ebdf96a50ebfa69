"""Shared test set-up: the project root on sys.path, one torch thread, and paths to the shared data."""

import sys
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


def app_test(page: str | None = None, timeout: float = 60):
    """An AppTest of the whole app (router included), switched to ``page`` (e.g. ``"pages/generate.py"``)."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at
