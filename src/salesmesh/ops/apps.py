from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "salesmesh.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from salesmesh.ops.statistics import refresh_after_migrate

        # migrate (and flush) sends post_migrate once per app with models, in the order of
        # INSTALLED_APPS: the last one's comes once, after every table is in place. (This
        # app has no models, so it is sent none of its own.)
        last = [config for config in apps.get_app_configs() if config.models_module][-1]
        post_migrate.connect(
            refresh_after_migrate, sender=last, dispatch_uid="salesmesh.ops.statistics"
        )
