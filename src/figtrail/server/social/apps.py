from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "figtrail.server.social"
    label = "social"
