from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "figtrail.server.insight"
    label = "insight"

    def ready(self) -> None:
        from figtrail.server.insight.describe import connect_auto_describe

        connect_auto_describe()
