"""In a real browser: the home page, then the Quick preset trained on a built-in corpus."""

import re

from .conftest import assert_no_exception, screenshot, wait_for_app


def test_home_then_quick_training_in_chromium(page, app_url):
    page.goto(app_url)
    page.get_by_text("What each page teaches").wait_for(timeout=60_000)
    assert_no_exception(page)
    screenshot(page, "home")

    page.get_by_role("link", name="Train a language model").first.click()
    page.get_by_text("2. Choose the model").wait_for(timeout=60_000)
    wait_for_app(page)
    page.get_by_text("GRU", exact=True).click()   # a setting that must survive a page switch
    wait_for_app(page)
    page.get_by_role("link", name="Home").first.click()
    page.get_by_text("What each page teaches").wait_for(timeout=30_000)
    page.get_by_role("link", name="Train a language model").first.click()
    page.get_by_text("2. Choose the model").wait_for(timeout=30_000)
    assert page.get_by_role("radio", name="GRU").is_checked()

    # A fresh session from a link: the Quick preset with a short budget, so the test stays quick on a busy box.
    page.goto(app_url + "/language_model?cell=lstm&steps=200")
    page.get_by_text("2. Choose the model").wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.get_by_text("The model you will train").count() == 1    # the diagram of the model
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"tokens/s · about")).wait_for(timeout=60_000)
    page.wait_for_timeout(4_000)
    screenshot(page, "language_model_training")
    assert_no_exception(page)
    page.get_by_text("3. Your models").wait_for(timeout=180_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert page.get_by_text("Validation loss").count() >= 1
    assert page.get_by_text("Its samples along training").count() == 1
    screenshot(page, "language_model_trained")
