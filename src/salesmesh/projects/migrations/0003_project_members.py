import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0002_stakeholder_handled_on'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ProjectMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('rep', 'Sales rep'), ('sdr', 'SDR'), ('bd', 'BD'), ('presales', 'Presales'), ('postsales', 'Post-sales'), ('pmo', 'PMO'), ('business', 'Business'), ('solution', 'Solution'), ('manager', 'Manager'), ('admin', 'Administrator')], max_length=16, verbose_name='role')),
                ('assigned_on', models.DateField(default=django.utils.timezone.localdate, verbose_name='assigned on')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='projects.project', verbose_name='project')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='project_assignments', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'verbose_name': 'project member',
                'verbose_name_plural': 'project members',
                'ordering': ['project', 'role', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='project',
            name='members',
            field=models.ManyToManyField(blank=True, related_name='assigned_projects', through='projects.ProjectMember', to=settings.AUTH_USER_MODEL, verbose_name='members'),
        ),
        migrations.AddConstraint(
            model_name='projectmember',
            constraint=models.UniqueConstraint(fields=('project', 'user'), name='project_member_once'),
        ),
    ]
