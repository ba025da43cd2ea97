from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "figtrail.server.tasks"
    label = "tasks"
