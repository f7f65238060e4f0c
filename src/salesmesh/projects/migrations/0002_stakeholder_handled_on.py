from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="stakeholder",
            name="handled_on",
            field=models.DateField(
                blank=True,
                help_text="The day the planned actions were done; empty while they are pending.",
                null=True,
                verbose_name="actions handled on",
            ),
        ),
    ]
