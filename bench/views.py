from django.http import HttpRequest, HttpResponse


def floor(request: HttpRequest) -> HttpResponse:
    """The framework floor: a signed-in, second-factor-verified request through
    the whole middleware stack that does no work of its own."""
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")
