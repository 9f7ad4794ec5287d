import pytest

from ..ai_fixtures import funded, offline_ai, paid  # noqa: F401
from .media_stubs import image_stubs  # noqa: F401
from .text_stubs import text_stubs  # noqa: F401


@pytest.fixture(autouse=True)
def _ai_settings(settings, tmp_path):
    offline_ai(settings, tmp_path / "media")
