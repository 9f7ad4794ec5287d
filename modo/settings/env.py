"""Where the project lives and how settings read the environment (django-environ; a `.env`
file beside manage.py is read too, without overriding the real environment)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
