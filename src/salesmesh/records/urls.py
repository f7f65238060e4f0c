from django.urls import path

from salesmesh.records import views

app_name = "records"

urlpatterns = [
    path("<slug:kind>/", views.record_list, name="list"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
]
