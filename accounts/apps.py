from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        from .current import connect_receivers

        connect_receivers()  # the membership cache forgets on every membership/organization change
