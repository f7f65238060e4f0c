"""Dashboard URLs; each dashboard's views live in their own module."""

from django.urls import URLPattern, path  # noqa: F401 - each dashboard adds a path() below

app_name = "dashboards"

urlpatterns: list[URLPattern] = [
    # -- routes (each dashboard adds its own lines below) --
]
