from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:run_id>/", views.report_detail, name="detail"),
    path("<int:run_id>/progress/", views.report_progress, name="progress"),
    path("<int:run_id>/download.<str:file_format>", views.report_download, name="download"),
]
