from django.urls import path

from salesmesh.exchange import views

app_name = "exchange"

urlpatterns = [
    path("export/<slug:kind>.<slug:fmt>", views.export, name="export"),
]
