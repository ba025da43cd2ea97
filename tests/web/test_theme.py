"""Dark mode: it follows the system's prefers-color-scheme, and the top bar's switch (auto, dark, light)
overrides it, remembered in a cookie the server reads, so a reload shows the chosen theme at once."""

from __future__ import annotations

DARK_BG, LIGHT_BG = "rgb(15, 21, 28)", "rgb(246, 247, 249)"


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_the_system_s_dark_scheme_is_followed(browser, live_server):
    context = browser.new_context(base_url=live_server.url, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto("/signin")
        assert background(page) == DARK_BG
        light = browser.new_context(base_url=live_server.url, color_scheme="light")
        other = light.new_page()
        other.goto("/signin")
        assert background(other) == LIGHT_BG
        light.close()
    finally:
        context.close()


def test_the_switch_overrides_it_and_a_reload_keeps_the_choice(browser, live_server):
    context = browser.new_context(base_url=live_server.url, color_scheme="light")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/signin")
        assert page.get_attribute("#theme-switch", "aria-label") == "Theme: auto"
        page.click("#theme-switch")
        assert (
            page.get_attribute("#theme-switch", "aria-label") == "Theme: dark" and background(page) == DARK_BG
        )
        page.reload()
        assert (
            page.get_attribute("html", "data-theme") == "dark" and background(page) == DARK_BG
        )  # from the server
        page.click("#theme-switch")  # light, even on a dark system
        assert background(page) == LIGHT_BG
        page.click("#theme-switch")  # auto again: the cookie is gone
        page.reload()
        assert page.get_attribute("html", "data-theme") is None
        assert not [c for c in context.cookies() if c["name"] == "figtrail_theme"]
        assert errors == []
    finally:
        context.close()
