"""The diary and appointments (mounted from rrcase/urls.py)."""

from django.urls import path

from . import appointments_views as views

app_name = "diary"

urlpatterns = [
    path("diary/", views.diary_day, name="day"),
    path("diary/week/", views.diary_week, name="week"),
    path("diary/team/", views.team_day, name="team-day"),
    path("diary/team/week/", views.team_week, name="team-week"),
    path("diary/outcomes/", views.outcomes_to_log, name="outcomes"),
    path("diary/book/", views.diary_book, name="book"),
    path("diary/calendar-feed/", views.calendar_feed_page, name="calendar-feed"),
    path("diary/feed/<str:token>.ics", views.calendar_feed_ics, name="calendar-feed-ics"),
    path("people/<int:person_id>/appointments/new/", views.person_book, name="person-book"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path(
        "appointments/<int:appointment_id>/outcome/",
        views.appointment_outcome,
        name="appointment-outcome",
    ),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        views.appointment_reschedule,
        name="appointment-reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.appointment_cancel,
        name="appointment-cancel",
    ),
]
