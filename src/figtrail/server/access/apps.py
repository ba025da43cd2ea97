from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "figtrail.server.access"
    label = "access"
