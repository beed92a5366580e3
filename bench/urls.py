"""The application's URLs plus the framework floor, for rrcase.settings.bench only."""

from django.urls import path

from rrcase.urls import handler403, handler404, handler500
from rrcase.urls import urlpatterns as app_urlpatterns

from . import views

urlpatterns = [path("bench/floor/", views.floor, name="bench-floor"), *app_urlpatterns]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
