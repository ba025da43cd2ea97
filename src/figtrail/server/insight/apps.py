from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "figtrail.server.insight"
    label = "insight"
