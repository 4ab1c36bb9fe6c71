"""Headless Chromium for the browser tests (Debian's chromium, driven by Playwright)."""

import os

import pytest

from tests.browser.support import CHROMIUM


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("needs Chromium (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM
    # calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            # Without the background-networking flags Chromium keeps dialling out on
            # this closed network.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()
