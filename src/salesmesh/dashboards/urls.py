"""Dashboard URLs; each dashboard's views live in their own module."""

from django.urls import URLPattern, path

from salesmesh.dashboards import behaviour, mesh_tree, overview, probability, project

app_name = "dashboards"

urlpatterns: list[URLPattern] = [
    # -- routes (each dashboard adds its own lines below) --
    path("behaviour/", behaviour.behaviour_page, name="behaviour"),
    path("behaviour/calendar/", behaviour.calendar_partial, name="behaviour_calendar"),
    path("", overview.overview_page, name="overview"),
    path("mesh/", mesh_tree.mesh_page, name="mesh"),
    path("mesh/person/", mesh_tree.mesh_person, name="mesh_person"),
    path("probability/", probability.probability_page, name="probability"),
    path("probability/funnel/", probability.funnel_partial, name="probability_funnel"),
    path("probability/board/", probability.board_partial, name="probability_board"),
    path(
        "probability/bottlenecks/",
        probability.bottlenecks_partial,
        name="probability_bottlenecks",
    ),
    path("probability/capability/", probability.capability_partial, name="probability_capability"),
    path("project/", project.project_page, name="project"),
    path("project/knowledge/", project.project_knowledge, name="project_knowledge"),
]
