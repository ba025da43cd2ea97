from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "figtrail.server.imports"
    label = "imports"
