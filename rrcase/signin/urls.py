from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("sign-in/code/", views.code, name="code"),
    path("sign-in/recovery-code/", views.recovery_code, name="recovery-code"),
    path("sign-in/set-up-authenticator/", views.enrol, name="enrol"),
    path("session/keep-alive/", views.keep_alive, name="keep-alive"),
]
