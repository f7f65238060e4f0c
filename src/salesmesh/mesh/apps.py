from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeshConfig(AppConfig):
    name = "salesmesh.mesh"
    verbose_name = _("Mesh")
