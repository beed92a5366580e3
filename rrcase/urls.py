from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from rrcase.core.views import api_docs

urlpatterns = [
    path("", include("rrcase.core.urls")),
    path("", include("rrcase.signin.urls")),
    path("agency/", include("rrcase.access.urls")),
    path("audit/", include("rrcase.audit.urls")),
    path("reports/", include("reporting.urls")),
    path("", include("pathways.urls")),
    path("panels/", include("panels.urls")),
    path("api/v1/panels/", include("panels.api")),
    path("", include("offenders.urls")),
    path("", include("offenders.appointments_urls")),
    path("admin/", admin.site.urls),
    path("imports/", include("offenders.imports_urls")),
    path("api/v1/", include("offenders.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
]

handler403 = "rrcase.core.views.permission_denied"
handler404 = "rrcase.core.views.page_not_found"
handler500 = "rrcase.core.views.server_error"
