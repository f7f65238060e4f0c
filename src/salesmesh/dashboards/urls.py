"""Dashboard URLs; each dashboard's views live in their own module."""

from django.urls import path

app_name = "dashboards"

urlpatterns: list = [
    # -- routes (each dashboard adds its own lines below) --
]
