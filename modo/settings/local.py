"""The embedded default: `make run` on a laptop, no servers and no keys needed."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
INTERNAL_IPS = ["127.0.0.1"]

# The embedded default keeps its SQLite file, media and broker messages under var/.
VAR_DIR.mkdir(exist_ok=True)  # noqa: F405
