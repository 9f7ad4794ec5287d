# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

# Header fields up to 16 KB reach the application, which answers a too-long one as JSON (431)
# rather than gunicorn as an HTML page (its own limit is 8 KB). Two malloc arenas per process:
# the web server runs each request in a thread of its own and the I/O workers run 50 threads,
# and glibc's default (an arena per thread, up to 8 per core) took the web worker from 219 MB
# to 349 MB under 250 users (bench/README.md).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    DJANGO_SETTINGS_MODULE=modo.settings.production \
    GUNICORN_CMD_ARGS="--limit-request-field_size 16384"

WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 modo
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic and compilemessages need settings to import, not real services: throwaway values.
RUN export SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://build:6379/0 \
    && python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv
# The code stays root's (read-only to the app); var/ (media without R2, scratch) is modo's, and a
# named volume mounted at var/media starts with this ownership.
RUN mkdir -p /app/var/media && chown -R modo:modo /app/var
USER modo
EXPOSE 8000
# The production server: gunicorn with uvicorn workers on the ASGI app, configured by gunicorn.conf.py
# (WEB_WORKERS, WEB_TIMEOUT, WEB_GRACEFUL_TIMEOUT, ... from the environment).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "modo.asgi:application"]
