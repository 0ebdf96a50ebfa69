"""In a real browser: Caption a picture opens, trains its three captioners with the shortest budget, and shows
each model's caption of a held-out picture and of the drawn one, with the attention maps."""

from .conftest import assert_no_exception, screenshot, wait_for_app
from .test_pages_browser import assert_no_error_box, open_page, slider_to_minimum


def test_caption_page_trains_and_shows_the_captions(page, app_url):
    open_page(page, app_url, "caption", "Caption a picture")
    assert_no_error_box(page)
    slider_to_minimum(page, "Training steps")
    page.get_by_role("button", name="Train all three").click()
    page.get_by_text("The grammar's caption").first.wait_for(timeout=180_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert_no_error_box(page)
    assert page.get_by_text("Exact captions: with attention").count() == 1
    assert page.get_by_text("The grammar's caption").count() == 2          # a held-out picture, the drawn one
    maps = page.get_by_text("How to read it: one small picture per word")
    maps.nth(1).wait_for(timeout=30_000)        # the drawn picture's map can come a moment later on a busy box
    assert maps.count() == 2
    screenshot(page, "caption_after")
