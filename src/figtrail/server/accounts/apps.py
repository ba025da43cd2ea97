from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "figtrail.server.accounts"
    label = "accounts"

    def ready(self) -> None:
        from figtrail.server.accounts import schema  # noqa: F401  (registers the OpenAPI auth schemes)
