"""Secrets and browser-facing security headers and cookies (production.py tightens them)."""

from .env import env

SECRET_KEY = env("SECRET_KEY", default="modo-insecure-embedded-default-key-change-me")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the browser API client reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
