from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class TasksConfig(AppConfig):
    name = "figtrail.server.tasks"
    label = "tasks"

    def ready(self) -> None:
        autodiscover_modules("task_handlers")  # each app's handlers register their kinds
