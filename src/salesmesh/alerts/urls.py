"""Alert URLs: the list and the acknowledge action."""

from django.urls import path

from salesmesh.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge_view, name="acknowledge"),
]
