"""The studio: the project's film and the undo offer after a deletion."""

from .env import env

# Joining a project's beat videos into one MP4 (studio.film) stops after this long.
STUDIO_FILM_TIMEOUT_SECONDS = env.int("STUDIO_FILM_TIMEOUT_SECONDS", default=600)
# How long the "Undo" toast stays after a deletion (at least 10 s; "Deleted" keeps it 30 days).
STUDIO_UNDO_TOAST_SECONDS = max(10, env.int("STUDIO_UNDO_TOAST_SECONDS", default=15))
