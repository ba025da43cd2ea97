from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "figtrail.server.activity"
    label = "activity"
