from django.urls import path

from salesmesh.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("paradigm/<str:paradigm>/", views.paradigm_page, name="paradigm"),
    path("data/", views.data_page, name="data"),
]
