from __future__ import annotations

import logging

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from drf_spectacular.views import SpectacularSwaggerSplitView

from rrcase.signin.decorators import second_factor_not_required
from rrcase.signin.views import second_factor_url

from . import selectors
from .forms import SignInForm

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    membership = getattr(request.user, "membership", None)
    return render(request, "core/home.html", {"membership": membership})


class SignInView(auth_views.LoginView):
    template_name = "registration/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        # The password is the first factor: next comes the code from the
        # user's authenticator app (or setting one up), then where they were going.
        return second_factor_url(next_url=super().get_success_url())


sign_in = login_not_required(SignInView.as_view())
# Reachable before the second factor, so someone can abandon signing in.
sign_out = second_factor_not_required(auth_views.LogoutView.as_view())


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


# Health (docs/operations.md "Health"). Public, no personal data, never cached.
@login_not_required
@never_cache
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: this process serves requests. Touches neither the database nor
    the broker, so an outage elsewhere never gets a healthy process restarted."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 while the database answers, 503 when it does not. The
    broker and the last worker heartbeat are information: "degraded" means
    pages work but background jobs are waiting. /healthz is the same check."""
    health = selectors.health_check()
    body = {
        "status": health.status,
        "database": "ok" if health.database else "unreachable",
        "broker": {None: "not configured", True: "ok", False: "unreachable"}[health.broker],
        "last_worker_heartbeat": (
            health.last_worker_heartbeat.isoformat() if health.last_worker_heartbeat else None
        ),
    }
    return JsonResponse(body, status=200 if health.ready else 503)


healthz = readyz


# Error pages. They show the request id as a reference the user can quote to
# support, and nothing of the underlying error.
@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page. Rendered from the template alone, without the request's
    context processors, session or user, which all need the database: the
    database may be what failed. The reference it shows is the request id,
    which every log line of the request carries (RequestIdLogFilter)."""
    reference = getattr(request, "request_id", "")
    logger.error(
        "Error page shown for %s %s with reference %s", request.method, request.path, reference
    )
    html = loader.render_to_string("errors/500.html", {"reference": reference})
    return HttpResponse(html, status=500)


class _SwaggerUI(SpectacularSwaggerSplitView):
    url_name = "api-schema"
    template_name = "core/api_docs.html"


_swagger_ui = _SwaggerUI.as_view()


def api_docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI at /api/docs/ (docs/api.md). Every file is one of our static
    files (drf-spectacular-sidecar) and the start-up script is served apart
    (`?script=`), so the page runs under the Content-Security-Policy with
    nothing inline. Unlike the DRF view it wraps, this one is not marked
    login_not_required: a signed-out browser is sent to sign in and back. The
    second factor is required as for all of /api/ (SecondFactorRequiredMiddleware)."""
    return _swagger_ui(request)
