from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "figtrail.server.web"
    label = "web"
    verbose_name = "figtrail web UI"
