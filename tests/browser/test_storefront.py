"""The storefront's main account paths in headless Chromium (Playwright)."""

import pytest

from tests.browser.support import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    yield page
    context.close()


def test_register_add_an_address_sign_out_and_back_in(page, live_server):
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_role("link", name="Register").click()
    page.locator("#id_email").fill("browser@example.com")
    page.locator("#id_display_name").fill("Browser Li")
    page.locator("#id_password1").fill("chromium-river-88")
    page.locator("#id_password2").fill("chromium-river-88")
    page.get_by_role("button", name="Create account").click()

    assert page.url == f"{base}/accounts/profile/"
    assert "Welcome! Your account is ready." in page.content()

    page.goto(f"{base}/accounts/addresses/new/")
    page.locator("#id_recipient").fill("李华")
    page.locator("#id_phone").fill("13811112222")
    page.locator("#id_province").fill("江苏省")
    page.locator("#id_city").fill("南京市")
    page.locator("#id_district").fill("鼓楼区")
    page.locator("#id_street").fill("中山路 18 号")
    page.get_by_role("button", name="Save").click()

    assert page.url == f"{base}/accounts/addresses/"
    assert "中山路 18 号" in page.content()
    assert page.locator(".badge", has_text="Default").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "addresses-phone.png"), full_page=True)

    page.locator("summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("BROWSER@example.com")
    page.locator("#id_password").fill("chromium-river-88")
    page.get_by_role("button", name="Sign in").click()

    assert page.url == f"{base}/accounts/profile/"


def test_the_language_switcher_shows_chinese(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.select_option("#language-select", "zh-hans")
    page.locator(".language-switcher button").click()

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="登录").is_visible()
