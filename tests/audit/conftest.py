from ..staff_fixtures import _ai_settings, admin_client, funded, paid, superuser  # noqa: F401
