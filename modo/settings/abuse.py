"""Operations: abuse detection and suspension (abuse app)."""

from .celery import CELERY_BEAT_SCHEDULE
from .env import env

# abuse.tasks.abuse_scan runs every ABUSE_SCAN_MINUTES; each rule looks back over its own
# window. A hit opens one flag per rule and subject (emailed to STAFF_ALERT_EMAILS or ADMINS,
# and sent to Sentry); staff resolve flags and suspend organizations in the admin.
ABUSE_SCAN_MINUTES = env.int("ABUSE_SCAN_MINUTES", default=15)
# Generation burst: a user's generations in the window > MULTIPLE x their tier's daily limit
# spread over the window, and > MIN_GENERATIONS.
ABUSE_BURST_WINDOW_MINUTES = env.int("ABUSE_BURST_WINDOW_MINUTES", default=60)
ABUSE_BURST_MULTIPLE = env.float("ABUSE_BURST_MULTIPLE", default=10.0)
ABUSE_BURST_MIN_GENERATIONS = env.int("ABUSE_BURST_MIN_GENERATIONS", default=20)
# Failed payments: at least MAX orders of one organization failed or expired in the window.
ABUSE_FAILED_PAYMENTS_WINDOW_HOURS = env.int("ABUSE_FAILED_PAYMENTS_WINDOW_HOURS", default=24)
ABUSE_FAILED_PAYMENTS_MAX = env.int("ABUSE_FAILED_PAYMENTS_MAX", default=5)
# Signups: at least MAX accounts from one client address (REMOTE_ADDR, or X-Forwarded-For
# behind TRUSTED_PROXY_COUNT proxies) in the window.
ABUSE_SIGNUP_IP_WINDOW_MINUTES = env.int("ABUSE_SIGNUP_IP_WINDOW_MINUTES", default=60)
ABUSE_SIGNUP_IP_MAX = env.int("ABUSE_SIGNUP_IP_MAX", default=5)
# Safety: at least MAX provider safety refusals of one user's prompts in the window.
ABUSE_SAFETY_WINDOW_HOURS = env.int("ABUSE_SAFETY_WINDOW_HOURS", default=24)
ABUSE_SAFETY_REJECTIONS_MAX = env.int("ABUSE_SAFETY_REJECTIONS_MAX", default=5)
CELERY_BEAT_SCHEDULE["abuse-scan"] = {"task": "abuse.tasks.abuse_scan", "schedule": 60 * ABUSE_SCAN_MINUTES}
