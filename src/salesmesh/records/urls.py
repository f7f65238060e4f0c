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
    path("projects/new/", edit_views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", edit_views.project_edit, name="project_edit"),
    path("projects/<int:pk>/milestones/new/", edit_views.milestone_new, name="milestone_new"),
    path("milestones/<int:pk>/edit/", edit_views.milestone_change, name="milestone_edit"),
    path("projects/<int:pk>/stakeholders/new/", edit_views.stakeholder_new, name="stakeholder_new"),
    path("stakeholders/<int:pk>/edit/", edit_views.stakeholder_edit, name="stakeholder_edit"),
    path("projects/<int:pk>/resources/new/", edit_views.resource_new, name="resource_new"),
    path("resources/<int:pk>/edit/", edit_views.resource_edit, name="resource_edit"),
    path("projects/<int:pk>/reviews/new/", edit_views.review_new, name="review_new"),
    path("reviews/<int:pk>/edit/", edit_views.review_edit, name="review_edit"),
    path("<slug:kind>/", views.record_list, name="list"),
]
