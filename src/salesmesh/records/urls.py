from django.urls import path

from salesmesh.records import edit_views, views

app_name = "records"

urlpatterns = [
    path("", views.records_index, name="index"),
    path("accounts/new/", edit_views.account_new, name="account_new"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/edit/", edit_views.account_edit, name="account_edit"),
    path(
        "accounts/<int:pk>/contacts/new/",
        edit_views.account_contact_new,
        name="account_contact_new",
    ),
    path("contacts/new/", edit_views.contact_new, name="contact_new"),
    path("contacts/<int:pk>/edit/", edit_views.contact_edit, name="contact_edit"),
    path("leads/new/", edit_views.lead_new, name="lead_new"),
    path("leads/<int:pk>/edit/", edit_views.lead_edit, name="lead_edit"),
    path("opportunities/new/", edit_views.opportunity_new, name="opportunity_new"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity"),
    path("opportunities/<int:pk>/edit/", edit_views.opportunity_edit, name="opportunity_edit"),
    path("activities/new/", edit_views.activity_new, name="activity_new"),
    path("activities/<int:pk>/edit/", edit_views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", edit_views.activity_remove, name="activity_delete"),
    path("solution_requests/new/", edit_views.solution_request_new, name="solution_request_new"),
    path(
        "solution_requests/<int:pk>/",
        views.solution_request_detail,
        name="solution_request",
    ),
    path(
        "solution_requests/<int:pk>/edit/",
        edit_views.solution_request_edit,
        name="solution_request_edit",
    ),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("<slug:kind>/", views.record_list, name="list"),
]
