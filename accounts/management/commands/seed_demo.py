from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.services import user_create

DEMO_EMAIL = "demo@modo.local"
DEMO_PASSWORD = "modo-demo-2026"  # noqa: S105 - the embedded default's public demo login


class Command(BaseCommand):
    help = "Create the demo user (and their organization) if missing, and print how to sign in."

    def handle(self, *args, **options):
        if not User.objects.filter(email=DEMO_EMAIL).exists():
            user_create(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo")
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
