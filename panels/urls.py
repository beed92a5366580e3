from django.urls import path

from . import views

app_name = "panels"

urlpatterns = [
    path("", views.panel_list, name="list"),
    path("<int:pk>/", views.panel_type_detail, name="panel-type"),
    path("<int:pk>/generate/", views.panel_type_generate, name="generate"),
    path("<int:pk>/rules/", views.panel_type_rules, name="rules"),
    path("<int:pk>/tracker/", views.panel_tracker, name="tracker"),
    path("overlap/", views.overlap, name="overlap"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/start/", views.meeting_transition, {"to": "start"}, name="start"),
    path(
        "meetings/<int:pk>/conclude/", views.meeting_transition, {"to": "conclude"}, name="conclude"
    ),
    path("meetings/<int:pk>/cancel/", views.meeting_transition, {"to": "cancel"}, name="cancel"),
    path("meetings/<int:pk>/build-agenda/", views.meeting_build_agenda, name="build-agenda"),
    path(
        "meetings/<int:pk>/request-updates/", views.meeting_request_updates, name="request-updates"
    ),
    path("meetings/<int:pk>/add-person/", views.meeting_add_person, name="add-person"),
    path("meetings/<int:pk>/notes/", views.meeting_notes, name="notes"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path(
        "meetings/<int:pk>/agenda.pdf",
        views.meeting_document,
        {"kind": "agenda"},
        name="agenda-pdf",
    ),
    path(
        "meetings/<int:pk>/minutes.pdf",
        views.meeting_document,
        {"kind": "minutes"},
        name="minutes-pdf",
    ),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/discussion/", views.item_discussion, name="item-discussion"),
    path("items/<int:pk>/decision/", views.item_decision, name="item-decision"),
    path("items/<int:pk>/actions/", views.item_action, name="item-action"),
    path("actions/", views.action_tracker, name="actions"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("updates/", views.update_list, name="updates"),
    path("updates/<int:pk>/", views.update_respond, name="update"),
]
