"""In a real browser: every page opens without an exception and its main flow runs with its quickest settings.

Screenshots of each page go to the screenshot folder (see conftest). Error boxes fail the test unless the flow
expects them.
"""

import re

import pytest

from .conftest import assert_no_exception, screenshot, wait_for_app


def slider_to_minimum(page, label: str) -> None:
    slider = page.locator("[data-testid='stSlider']", has_text=label).get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    wait_for_app(page)


def assert_no_error_box(page) -> None:
    errors = page.locator("[data-testid='stAlertContentError']")
    assert errors.count() == 0, errors.first.inner_text()


def open_page(page, app_url, path: str, marker: str) -> None:
    page.goto(f"{app_url}/{path}")
    page.get_by_text(marker).first.wait_for(timeout=90_000)
    wait_for_app(page, timeout=90_000)
    assert_no_exception(page)
    assert page.get_by_text("Page not found").count() == 0, f"/{path} is not a page address"


def flow_generate(page):
    page.get_by_role("button", name="Generate", exact=True).click()
    wait_for_app(page)
    page.wait_for_timeout(3_000)


def flow_compare(page):
    slider_to_minimum(page, "Step budget per run")
    page.get_by_role("button", name="Run live").click()
    page.wait_for_timeout(20_000)
    wait_for_app(page)


def flow_gradients(page):
    page.get_by_role("button", name=re.compile("Exploding")).click()
    wait_for_app(page)


def flow_sentiment(page):
    page.get_by_text("Read a sentence word by word").first.wait_for(timeout=120_000)   # the ready-made model
    slider_to_minimum(page, "Training steps")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("is now the model in sections 1 and 2").first.wait_for(timeout=120_000)
    wait_for_app(page)


def flow_forecast(page):
    slider_to_minimum(page, "Training steps")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("The verdict, on the test period").first.wait_for(timeout=120_000)
    wait_for_app(page)


def flow_tag(page):
    slider_to_minimum(page, "Training steps")
    page.get_by_role("button", name="Train both").click()
    page.get_by_text("is shown below").first.wait_for(timeout=120_000)
    page.get_by_text("Which half of the bidirectional model decided each tag").first.wait_for(timeout=30_000)
    wait_for_app(page)


def flow_translate(page):
    slider_to_minimum(page, "Training steps (each model)")
    page.get_by_role("button", name="Train both").click()
    page.get_by_text("Where each character looked").first.wait_for(timeout=180_000)
    wait_for_app(page)


def flow_how_it_works(page):
    for _ in range(3):
        page.get_by_role("button", name="Next").first.click()
        wait_for_app(page)


PAGES = [
    ("generate", "Generate text", flow_generate),
    ("compare", "Compare", flow_compare),
    ("gradients", "Vanishing gradients", flow_gradients),
    ("sentiment", "Sentiment", flow_sentiment),
    ("forecast", "Forecast a time series", flow_forecast),
    ("tag", "Tag a sentence", flow_tag),
    ("translate", "Train a date translator", flow_translate),
    ("how_it_works", "How an RNN works", flow_how_it_works),
]


@pytest.mark.parametrize("path, marker, flow", PAGES, ids=[p[0] for p in PAGES])
def test_page_opens_and_its_main_flow_runs(page, app_url, path, marker, flow):
    open_page(page, app_url, path, marker)
    assert_no_error_box(page)
    screenshot(page, f"{path}_opened")
    flow(page)
    assert_no_exception(page)
    assert_no_error_box(page)
    screenshot(page, f"{path}_after")
