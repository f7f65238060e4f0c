"""Dashboard URLs; each dashboard's views live in their own module."""

from django.urls import URLPattern, path

from salesmesh.dashboards import mesh_tree, overview

app_name = "dashboards"

urlpatterns: list[URLPattern] = [
    # -- routes (each dashboard adds its own lines below) --
    path("", overview.overview_page, name="overview"),
    path("mesh/", mesh_tree.mesh_page, name="mesh"),
    path("mesh/person/", mesh_tree.mesh_person, name="mesh_person"),
]
