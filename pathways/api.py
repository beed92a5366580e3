"""The pathways REST API (/api/v1/pathways/…, in the OpenAPI schema): the
services directory, a person's needs, referrals, and the referral steps.

Thin views: every read comes from pathways.selectors / offenders.selectors
(scoped to the user, audited as a consultation), every write from
pathways.services. Nested input and output serializers list their fields.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from offenders.api.auth import SignedInWithSecondFactor
from offenders.api.base import BAD_REQUEST, STALE_VERSION
from offenders.selectors import person_get_for
from rrcase.access.roles import PERSON_READ_ROLES
from rrcase.access.selectors import agency_of, role_of
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
from rrcase.core.text import REASON, too_long

from . import selectors, services
from .models import Need, Referral, Service
from .services import REFERRAL_TRANSITIONS, IllegalTransition, StaleEdit


class VerifiedMember(SignedInWithSecondFactor):
    """Signed in (an API token, or a session past the second factor, as for
    every API view) and a member of an agency."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and agency_of(request.user) is not None


class PersonRecords(VerifiedMember):
    """…and a role that opens people's records (not analysts or system admins)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and role_of(request.user) in PERSON_READ_ROLES


# Credentials and JSON as every API view (REST_FRAMEWORK defaults); lists are
# paginated by the default PageNumberPagination, which the schema then shows.
class _Base(GenericAPIView):
    permission_classes = [VerifiedMember]

    @property
    def actor(self) -> User:
        return cast(User, self.request.user)


class ServiceOut(serializers.ModelSerializer):
    provider = serializers.CharField(source="provider.name")
    provider_agency = serializers.CharField(
        source="provider.agency.code", default=None, allow_null=True
    )
    pathway = serializers.CharField(source="pathway.code")
    places_taken = serializers.IntegerField()
    need_types = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Service
        fields = [
            "id", "name", "pathway", "provider", "provider_agency", "description",
            "eligibility", "capacity", "places_taken", "contact", "referral_route",
            "response_target_hours", "need_types",
        ]  # fmt: skip


class NeedOut(serializers.ModelSerializer):
    pathway = serializers.CharField(source="pathway.code")
    need_type = serializers.CharField(source="need_type.code")
    name = serializers.CharField(source="__str__")
    responsible_agency = serializers.CharField(
        source="responsible_agency.code", default=None, allow_null=True
    )

    class Meta:
        model = Need
        fields = [
            "id", "pathway", "need_type", "name", "status", "responsible_agency",
            "responsibility", "identified_on", "version",
        ]  # fmt: skip


class ReferralOut(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id")
    person_reference = serializers.CharField(source="person.reference")
    need = serializers.IntegerField(source="need_id")
    service = serializers.IntegerField(source="service_id")
    from_agency = serializers.CharField(source="from_agency.code")
    to_agency = serializers.CharField(source="to_agency.code", default=None, allow_null=True)

    class Meta:
        model = Referral
        fields = [
            "id", "person", "person_reference", "need", "service", "from_agency", "to_agency",
            "state", "reason", "sent_at", "respond_by", "responded_at", "closed_at",
            "rejection_reason", "outcome", "version",
        ]  # fmt: skip


class TransitionIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(REFERRAL_TRANSITIONS))
    version = serializers.IntegerField()
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON,
        error_messages={"max_length": too_long("The text", REASON)},
    )
    situation = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)


def _consulted(user: User, what: str, person_ids: list[int]) -> None:
    audit_record(
        action=Action.CONSULT,
        actor=user,
        details={"api": what, "person_ids": sorted(set(person_ids))},
    )


class ServiceListApi(_Base):
    @extend_schema(responses=ServiceOut(many=True), summary="The services directory")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.service_directory()) or []
        return self.get_paginated_response(ServiceOut(page, many=True).data)


class PersonNeedsApi(_Base):
    permission_classes = [PersonRecords]
    pagination_class = None  # a person's needs are few: one list

    @extend_schema(responses=NeedOut(many=True), summary="A person's needs the user may see")
    def get(self, request: Request, person_id: int) -> Response:
        person = person_get_for(self.actor, person_id)
        context = selectors.person_tab_context(self.actor, person)
        needs = [need for section in context["pathway_sections"] for need in section.needs]
        return Response(NeedOut(needs, many=True).data)


class ReferralListApi(_Base):
    permission_classes = [PersonRecords]

    @extend_schema(
        responses=ReferralOut(many=True),
        summary="Referrals the user's agency made or received, for people the user can see",
    )
    def get(self, request: Request) -> Response:
        referrals = selectors.referral_list_for(self.actor).order_by("-created_at", "-id")
        page = self.paginate_queryset(referrals) or []
        _consulted(self.actor, "pathways.referrals", [r.person_id for r in page])
        return self.get_paginated_response(ReferralOut(page, many=True).data)


class ReferralDetailApi(_Base):
    permission_classes = [PersonRecords]

    @extend_schema(responses=ReferralOut, summary="One referral")
    def get(self, request: Request, referral_id: int) -> Response:
        referral = selectors.referral_get_for(self.actor, referral_id)
        return Response(ReferralOut(referral).data)


class ReferralTransitionApi(_Base):
    permission_classes = [PersonRecords]

    @extend_schema(
        request=TransitionIn,
        responses={
            200: ReferralOut,
            400: BAD_REQUEST,
            409: STALE_VERSION,
        },
        summary="Take a step in the referral state machine (send, accept, reject, start, "
        "complete, disengage, withdraw)",
    )
    def post(self, request: Request, referral_id: int) -> Response:
        referral = selectors.referral_get_for(self.actor, referral_id)
        data = TransitionIn(data=request.data)
        data.is_valid(raise_exception=True)
        action = data.validated_data["action"]
        if REFERRAL_TRANSITIONS[action].side == services.SENDER:
            person_get_for(self.actor, referral.person_id, for_change=True, audit=False)
        try:
            after = services.referral_transition(
                referral=referral,
                action=action,
                by=self.actor,
                version=data.validated_data["version"],
                text=data.validated_data["text"],
                situation=data.validated_data["situation"],
            )
        except StaleEdit as stale:
            return Response({"detail": str(stale)}, status=status.HTTP_409_CONFLICT)
        except (IllegalTransition, ValueError) as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ReferralOut(after).data)
