"""The REST API for people and their records (docs/api.md).

Every view starts from offenders.selectors.person_list_for(user): people the
user may see, and records only of those people (`person__in`), less contacts
and enforcement of a sensitivity class the user's agency may not see. The
scoping lives in the base classes' get_queryset, which subclasses may not
override. Each request writes one consultation to the audit trail; a list
names the ids on the page in the event's details.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from offenders import services
from offenders.models import (
    CohortMembership,
    Contact,
    ContactKind,
    ContactOutcome,
    Disposal,
    DrugTestResult,
    Enforcement,
    Offence,
    Person,
    RiskAssessment,
    Sensitivity,
)
from offenders.selectors import person_get_for, person_list_for
from rrcase.access.selectors import agency_of, visible_sensitivities
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
from rrcase.core.text import NOTE, too_long

from . import filters
from .auth import ApiTokenAuthentication, SignedInWithSecondFactor
from .base import BAD_REQUEST, ApiViewSet, OutputModelSerializer

_SCOPED_BASES: set[str] = set()


class _Scoped(GenericAPIView):
    """Authentication, permission, JSON only, filters. get_queryset is defined
    by the two scoped bases below and refused anywhere else."""

    # The token class first: its challenge makes a signed-out call a 401.
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [SignedInWithSecondFactor]
    renderer_classes = [JSONRenderer]
    filter_backends = [DjangoFilterBackend]
    audit_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__ and cls.__qualname__ not in _SCOPED_BASES:
            raise TypeError(
                f"{cls.__qualname__} must not override get_queryset: the scoped bases do it."
            )

    def _audit_page(self, page: list[Any], *, person_of: str) -> None:
        ids = [obj.pk for obj in page]
        audit_record(
            action=Action.CONSULT,
            actor=self.request.user,
            details={
                "api": self.audit_name,
                "ids": ids,
                "person_ids": sorted({getattr(obj, person_of) for obj in page}),
                # Only the filters this list takes: a name in ?q= was not used, nor kept.
                "query": {
                    k: v for k, v in self.request.query_params.items() if k in self._filter_names()
                },
            },
        )

    def _filter_names(self) -> set[str]:
        filterset = getattr(self, "filterset_class", None)
        names = set(filterset.base_filters) if filterset is not None else set()
        # A date range filter takes its bounds as name_after / name_before.
        return names | {f"{n}_{end}" for n in names for end in ("after", "before")}

    def _page_of(self, queryset: QuerySet[Any]) -> list[Any]:
        """The requested page of the queryset, filtered."""
        page = self.paginate_queryset(self.filter_queryset(queryset))
        assert page is not None  # noqa: S101 - pagination is always on
        return page

    def _list(self, *, person_of: str) -> Response:
        page = self._page_of(self.get_queryset())
        self._audit_page(page, person_of=person_of)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


_SCOPED_BASES.update({"_PeopleBase", "_PersonRecords"})


class _PeopleBase(_Scoped, ApiViewSet):
    def get_queryset(self) -> QuerySet[Person]:
        return person_list_for(self.request.user).select_related("lead_agency")


class _PersonRecords(_Scoped):
    """Records belonging to a person: `model` has a `person` foreign key."""

    model: ClassVar[type[Model]]
    related: ClassVar[tuple[str, ...]] = ()

    def get_queryset(self) -> QuerySet[Any]:
        queryset = self.model._default_manager.filter(
            person__in=person_list_for(self.request.user)
        ).select_related(*self.related)
        if any(f.name == "sensitivity" for f in self.model._meta.fields):
            allowed = visible_sensitivities(agency_of(self.request.user))
            queryset = queryset.filter(sensitivity__in=allowed)
        return queryset


class _PersonRecordBase(_PersonRecords, ApiViewSet):
    """List and detail of one kind of record."""

    def list(self, request: Request) -> Response:
        return self._list(person_of="person_id")

    def retrieve(self, request: Request, pk: int) -> Response:
        person_id = (
            self.model._default_manager.filter(pk=pk).values_list("person_id", flat=True).first()
        )
        if person_id is None:
            raise Http404
        # 404 to outsiders, 403 to an involved agency's user who may not open
        # the person (both logged by the selector).
        person_get_for(request.user, person_id, audit=False)
        record = self.get_queryset().filter(pk=pk).first()
        if record is None:  # a sensitivity class this agency may not see
            raise Http404
        audit_record(action=Action.CONSULT, actor=request.user, obj=record, person_id=person_id)
        return Response(self.get_serializer(record).data)


# --- People ----------------------------------------------------------------------


class PersonViewSet(_PeopleBase):
    """People the signed-in user may see."""

    class OutputSerializer(OutputModelSerializer):
        lead_agency: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
            slug_field="code", read_only=True
        )

        class Meta:
            model = Person
            ref_name = "Person"
            fields = [
                "id",
                "reference",
                "pnc_id",
                "nomis_number",
                "given_name",
                "family_name",
                "date_of_birth",
                "gender",
                "ethnicity",
                "lead_agency",
                "custody_status",
                "prison",
                "expected_release_date",
                "brag",
                "rosh",
                "restricted",
                "version",
            ]
            read_only_fields = fields

    serializer_class = OutputSerializer
    filterset_class = filters.PersonFilter
    audit_name = "people"

    def list(self, request: Request) -> Response:
        return self._list(person_of="pk")

    def retrieve(self, request: Request, pk: int) -> Response:
        person = person_get_for(request.user, pk)  # 404 / 403, consultation logged
        return Response(self.get_serializer(person).data)


# --- Records about people -------------------------------------------------------


class CohortMembershipViewSet(_PersonRecordBase):
    """Cohort memberships (IOM, PPO, DIP, MAPPA, SGV, ASB)."""

    class OutputSerializer(OutputModelSerializer):
        class Meta:
            model = CohortMembership
            ref_name = "CohortMembership"
            fields = [
                "id",
                "person",
                "cohort",
                "start_date",
                "end_date",
                "strand",
                "mappa_category",
                "mappa_level",
                "selection_reason",
                "deselection_reason",
                "selection_score",
                "version",
            ]
            read_only_fields = fields

    model = CohortMembership
    serializer_class = OutputSerializer
    filterset_class = filters.CohortMembershipFilter
    audit_name = "cohort-memberships"


class DisposalViewSet(_PersonRecordBase):
    """Sentences and out-of-court disposals, with the Probation Reset two-thirds date."""

    class OutputSerializer(OutputModelSerializer):
        two_thirds_date = serializers.DateField(read_only=True, allow_null=True)

        class Meta:
            model = Disposal
            ref_name = "Disposal"
            fields = [
                "id",
                "person",
                "reference",
                "type",
                "start_date",
                "release_date",
                "end_date",
                "terminated_date",
                "termination_reason",
                "supervised_by_probation",
                "has_rar",
                "accommodation_at_end",
                "employment_at_end",
                "two_thirds_date",
                "version",
            ]
            read_only_fields = fields

    model = Disposal
    serializer_class = OutputSerializer
    filterset_class = filters.DisposalFilter
    audit_name = "disposals"


class OffenceViewSet(_PersonRecordBase):
    """Offences and their outcomes."""

    class OutputSerializer(OutputModelSerializer):
        class Meta:
            model = Offence
            ref_name = "Offence"
            fields = [
                "id",
                "person",
                "reference",
                "offence_date",
                "category",
                "outcome",
                "outcome_date",
            ]
            read_only_fields = fields

    model = Offence
    serializer_class = OutputSerializer
    filterset_class = filters.OffenceFilter
    audit_name = "offences"


class ContactOutputSerializer(OutputModelSerializer):
    agency: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Contact
        ref_name = "Contact"
        fields = [
            "id",
            "person",
            "kind",
            "occurred_on",
            "outcome",
            "agency",
            "recorded_at",
            "drug_test_result",
            "substances",
            "notes",
            "sensitivity",
        ]
        read_only_fields = fields


class ContactViewSet(_PersonRecordBase):
    """Contacts: appointments, visits, calls, drug tests, case notes."""

    model = Contact
    related = ("agency",)
    serializer_class = ContactOutputSerializer
    filterset_class = filters.ContactFilter
    audit_name = "contacts"


class AssessmentViewSet(_PersonRecordBase):
    """Risk assessments: RoSH, OGRS3, OVP and the predicted 3-month rate."""

    class OutputSerializer(OutputModelSerializer):
        class Meta:
            model = RiskAssessment
            ref_name = "Assessment"
            fields = [
                "id",
                "person",
                "assessed_on",
                "rosh",
                "ogrs3_1y",
                "ogrs3_2y",
                "ovp_2y",
                "predicted_3m",
            ]
            read_only_fields = fields

    model = RiskAssessment
    serializer_class = OutputSerializer
    filterset_class = filters.AssessmentFilter
    audit_name = "assessments"


class EnforcementViewSet(_PersonRecordBase):
    """Warning letters, breaches, recalls, arrests and civil orders."""

    class OutputSerializer(OutputModelSerializer):
        agency: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
            slug_field="code", read_only=True
        )

        class Meta:
            model = Enforcement
            ref_name = "Enforcement"
            fields = [
                "id",
                "person",
                "kind",
                "occurred_at",
                "decision_at",
                "agency",
                "notes",
                "sensitivity",
            ]
            read_only_fields = fields

    model = Enforcement
    related = ("agency",)
    serializer_class = OutputSerializer
    filterset_class = filters.EnforcementFilter
    audit_name = "enforcements"


# --- One person's contacts, and recording a contact ------------------------------


class PersonContactsView(_PersonRecords):
    """GET: one person's contacts. POST: record a contact about them, as the
    signed-in user's agency (needs the agency's change grant and a role that
    records things: 404 to outsiders, 403 to read-only users)."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ContactKind.choices)
        occurred_on = serializers.DateField()
        outcome = serializers.ChoiceField(
            choices=ContactOutcome.choices, required=False, allow_blank=True, default=""
        )
        notes = serializers.CharField(
            required=False,
            allow_blank=True,
            default="",
            max_length=NOTE,
            error_messages={"max_length": too_long("Notes", NOTE)},
        )
        drug_test_result = serializers.ChoiceField(
            choices=DrugTestResult.choices, required=False, allow_blank=True, default=""
        )
        substances = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=200
        )
        sensitivity = serializers.ChoiceField(
            choices=Sensitivity.choices, required=False, default=Sensitivity.STANDARD
        )

    model = Contact
    related = ("agency",)
    serializer_class = ContactOutputSerializer
    filterset_class = filters.ContactFilter
    audit_name = "person-contacts"

    @extend_schema(responses=ContactOutputSerializer(many=True))
    def get(self, request: Request, person_id: int) -> Response:
        person = person_get_for(request.user, person_id, audit=False)
        page = self._page_of(self.get_queryset().filter(person=person))
        audit_record(
            action=Action.CONSULT,
            actor=request.user,
            obj=person,
            person_id=person.pk,
            details={"api": self.audit_name, "ids": [c.pk for c in page]},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer, responses={201: ContactOutputSerializer, 400: BAD_REQUEST}
    )
    def post(self, request: Request, person_id: int) -> Response:
        person = person_get_for(request.user, person_id, for_change=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["sensitivity"] not in visible_sensitivities(agency_of(request.user)):
            raise serializers.ValidationError(
                {"sensitivity": ["Your agency may not record information of this class."]}
            )
        try:
            contact = services.contact_record(person=person, by=cast(User, request.user), **values)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict
                if hasattr(error, "error_dict")
                else {"non_field_errors": error.messages}
            ) from None
        return Response(ContactOutputSerializer(contact).data, status=status.HTTP_201_CREATED)
