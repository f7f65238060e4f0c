from django.urls import path

from salesmesh.exchange import import_views, views

app_name = "exchange"

urlpatterns = [
    path("export/<slug:kind>.<slug:fmt>", views.export, name="export"),
    path("import/", import_views.import_upload, name="import_upload"),
    path("imports/", import_views.import_run_list, name="import_runs"),
    path("imports/<uuid:pk>/", import_views.import_run_detail, name="import_run"),
    path("imports/<uuid:pk>/progress/", import_views.import_run_progress, name="import_progress"),
    path("imports/<uuid:pk>/mapping/", import_views.import_run_mapping, name="import_mapping"),
    path("imports/<uuid:pk>/import/", import_views.import_run_commit, name="import_commit"),
]
