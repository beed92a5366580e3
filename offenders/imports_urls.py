"""/imports/ (mounted from rrcase/urls.py)."""

from django.urls import path

from . import imports_views as views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("<int:run_id>/", views.import_detail, name="detail"),
    path("<int:run_id>/progress/", views.import_progress, name="progress"),
    path("<int:run_id>/rejects.csv", views.import_rejects, name="rejects"),
]
