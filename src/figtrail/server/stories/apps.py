from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "figtrail.server.stories"
    label = "stories"
