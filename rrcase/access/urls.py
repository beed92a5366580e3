from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:user_id>/role/", views.user_role, name="user-role"),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user-deactivate"),
]
