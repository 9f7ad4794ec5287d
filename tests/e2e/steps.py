"""What a person does in the browser, step by step, shared by the flows."""

import re

from playwright.sync_api import Page, expect


def path_is(path: str) -> re.Pattern:
    """A URL matcher for one path on the live server (any host and port, no query)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}$")


def log_in(page: Page, *, email: str, password: str) -> None:
    """Fill the login form of the page that is open (/login/, maybe with ?next=) and send it."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()


def log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()


def flash(page: Page):
    """The page's flash messages (success, info, error)."""
    return page.locator(".messages")


def credits_shown(stat) -> int:
    """The number on a credits card ("1,234 available")."""
    return int(re.sub(r"[^0-9]", "", stat.inner_text()))


def beat_card(page: Page, number: int = 1):
    return page.locator("ol.beat-list > li").nth(number - 1)


def image_loaded(page: Page, image) -> dict:
    """Wait until the <img> really decoded its file; its natural size."""
    return page.evaluate(
        """async (img) => {
            if (!img.complete || img.naturalWidth === 0) await img.decode();
            return {width: img.naturalWidth, height: img.naturalHeight};
        }""",
        image.element_handle(),
    )


def video_plays(page: Page, video) -> dict:
    """Load the <video>'s metadata, play it (muted, as autoplay rules allow) and report how far
    it got: proof that the browser can decode the file the server sent."""
    return page.evaluate(
        """async (video) => {
            if (video.readyState < 1) {
                await new Promise((resolve, reject) => {
                    video.addEventListener("loadedmetadata", resolve, {once: true});
                    const failed = () => reject(new Error(`video error ${video.error && video.error.code}`));
                    video.addEventListener("error", failed, {once: true});
                    video.load();
                });
            }
            const start = video.currentTime;
            video.muted = true;
            await video.play();
            const deadline = Date.now() + 5000;
            while (video.currentTime < start + 0.25 && !video.ended && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            video.pause();
            return {duration: video.duration, width: video.videoWidth, height: video.videoHeight,
                    start: start, reached: video.currentTime};
        }""",
        video.element_handle(),
    )
