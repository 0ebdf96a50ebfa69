"""A shared link works for the very first visitor of a freshly started server.

Until some session has called ``st.navigation``, Streamlit routes by the file names in ``pages/`` (its old
multipage behaviour). A page whose address differed from its file name (``/how-it-works`` for
``how_it_works.py``) sent that first visitor Home with "Page not found"; every address now equals its file's name.
"""

import re

from .conftest import ROOT, free_port, start_streamlit, wait_for_app

PAGES = re.findall(r'\("pages/(\w+)\.py", "([^"]+)", "([^"]+)"', (ROOT / "app.py").read_text())


def test_every_page_address_is_its_file_name():
    assert PAGES
    for stem, _, url in PAGES:
        assert url == stem, f"{url} (the first visitor of a fresh server would get 'Page not found')"


def test_the_first_visit_of_a_fresh_server_opens_the_linked_page(browser):
    proc = start_streamlit(free_port())
    port = proc.args[proc.args.index("--server.port") + 1]
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"http://127.0.0.1:{port}/how_it_works")
        page.get_by_role("heading", name="How an RNN works").first.wait_for(timeout=90_000)
        wait_for_app(page, timeout=90_000)
        assert page.get_by_text("Page not found").count() == 0
        assert "/how_it_works" in page.url, page.url
    finally:
        proc.terminate()
        proc.wait(10)
