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
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("<slug:kind>/", views.record_list, name="list"),
]
