from django.urls import path, re_path

from salesmesh.planning import plan_views, views

app_name = "planning"

urlpatterns = [
    path("lines/<slug:code>/advisor/", views.advisor, name="advisor"),
    path("lines/<slug:code>/plans/", plan_views.plan_list, name="plan_list"),
    path("lines/<slug:code>/plans/new/", plan_views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    re_path(
        r"^plans/(?P<pk>\d+)/download\.(?P<fmt>xlsx|json)$",
        plan_views.plan_download,
        name="plan_download",
    ),
    path("plans/<int:pk>/approve/", plan_views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/compare/<int:other>/", plan_views.plan_compare, name="plan_compare"),
]
