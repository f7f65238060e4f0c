"""The health check's URL; mounted at /healthz by the project URL map."""

from django.urls import path

from salesmesh.ops import views

urlpatterns = [path("", views.healthz, name="healthz")]
