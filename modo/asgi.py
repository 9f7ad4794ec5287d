import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modo.settings.local")
django.setup(set_prefix=False)

from core.asgi import ModoASGIHandler  # noqa: E402 (needs the apps loaded)

application = ModoASGIHandler()
