# The queue moves to Django's Tasks framework (django_tasks_db's DBTaskResult): every task record gets
# its queue row (0004 makes one for each existing task), then the fields the framework keeps go (0005).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0002_queue"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="job",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="figtrail_task",
                to="django_tasks_database.dbtaskresult",
            ),
        ),
    ]
