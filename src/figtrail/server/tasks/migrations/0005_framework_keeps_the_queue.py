# What Django's Tasks framework keeps on its queue row (status, payload, claims, result) leaves figtrail's
# task record; every record now has its queue row (0004).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tasks", "0004_tasks_on_the_framework_queue")]

    operations = [
        migrations.RemoveIndex(model_name="task", name="task_queue_order"),
        migrations.RemoveField(model_name="task", name="status"),
        migrations.RemoveField(model_name="task", name="result"),
        migrations.RemoveField(model_name="task", name="payload"),
        migrations.RemoveField(model_name="task", name="attempts"),
        migrations.RemoveField(model_name="task", name="claimed_by"),
        migrations.AlterField(
            model_name="task",
            name="job",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="figtrail_task",
                to="django_tasks_database.dbtaskresult",
            ),
        ),
    ]
