"""/api/v1/ (mounted from rrcase/urls.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import appointments, views
from .base import api_router

app_name = "api"

router = api_router()
router.register("people", views.PersonViewSet, basename="person")
router.register("cohort-memberships", views.CohortMembershipViewSet, basename="cohort-membership")
router.register("disposals", views.DisposalViewSet, basename="disposal")
router.register("offences", views.OffenceViewSet, basename="offence")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("enforcements", views.EnforcementViewSet, basename="enforcement")
router.register("appointments", appointments.AppointmentViewSet, basename="appointment")

urlpatterns = [
    path(
        "people/<dbid:person_id>/contacts/",
        views.PersonContactsView.as_view(),
        name="person-contacts",
    ),
    *router.urls,
]

# Token-authenticated calls carry no session, so the sign-in middleware must
# let them through to DRF, whose permission class (SignedInWithSecondFactor)
# then requires a signed-in user, and the second factor for sessions.
for pattern in urlpatterns:
    if pattern.callback is not None:
        login_not_required(pattern.callback)
