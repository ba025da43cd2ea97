from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "figtrail.server.accounts"
    label = "accounts"
