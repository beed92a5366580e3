"""Appointments in the REST API (docs/api.md "Appointments"): list, read,
book, reschedule, cancel and record the outcome.

Reads are scoped by the _PersonRecords base (people the user may see,
classes of information the sharing agreement gives the agency). Writes load
the person for change first: 404 to outsiders, 403 to read-only users. Each
calls one appointments_services function; a refusal is a 400 naming the
field, a stale version a 409. A clash with the officer's other appointments
is allowed, as in the pages, and listed in the response's `clashes`.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from offenders import appointments_selectors as diary
from offenders import appointments_services as booking
from offenders.appointments_forms import OUTCOME_CHOICES
from offenders.models import (
    APPOINTMENT_KIND_CHOICES,
    NOTES_MAX,
    REASON_MAX,
    Appointment,
    AppointmentStatus,
    DrugTestResult,
    Sensitivity,
)
from offenders.selectors import person_get_for
from offenders.services import StaleEdit
from rrcase.access.models import Agency
from rrcase.access.selectors import agency_of, visible_sensitivities

from .base import BAD_REQUEST, STALE_VERSION, OutputModelSerializer
from .filters import _PersonRecordFilter
from .views import _PersonRecordBase

MAX_ID = 2**63 - 1  # PostgreSQL bigint


class AppointmentFilter(_PersonRecordFilter):
    kind = django_filters.ChoiceFilter(choices=APPOINTMENT_KIND_CHOICES)
    status = django_filters.ChoiceFilter(choices=AppointmentStatus.choices)
    starts_at = django_filters.IsoDateTimeFromToRangeFilter(
        help_text="starts_at_after / starts_at_before, ISO 8601"
    )
    mine = django_filters.BooleanFilter(method="officer_is_me", help_text="Only my appointments")

    class Meta:
        model = Appointment
        fields = ["person", "kind", "status", "starts_at", "mine"]

    def officer_is_me(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value or self.request is None:
            return queryset
        return queryset.filter(officer_id=self.request.user.pk)


# An appointment not yet done has outcome "" (as drug_test_result on other
# contacts): OutputModelSerializer declares the blank in the schema's enum.
class AppointmentOutputSerializer(OutputModelSerializer):
    agency: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    # null unless a joint home visit.
    joint_agency: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    officer: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Appointment
        ref_name = "Appointment"
        fields = [
            "id",
            "person",
            "kind",
            "starts_at",
            "ends_at",
            "place",
            "officer",
            "agency",
            "joint_agency",
            "notes",
            "sensitivity",
            "status",
            "outcome",
            "reason",
            "contact",
            "rescheduled_from",
            "version",
        ]
        read_only_fields = fields


class BookedSerializer(AppointmentOutputSerializer):
    clashes = serializers.SerializerMethodField(
        help_text="Ids of the officer's other booked appointments at this time (allowed)"
    )

    class Meta(AppointmentOutputSerializer.Meta):
        ref_name = "AppointmentBooked"
        fields = [*AppointmentOutputSerializer.Meta.fields, "clashes"]
        read_only_fields = fields

    def get_clashes(self, obj: Appointment) -> list[int]:
        return [
            a.pk for a in diary.clashes_for(obj.officer, obj.starts_at, obj.ends_at, exclude=obj)
        ]


class _SlotInput(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class BookInput(_SlotInput):
    # Bounded like a path id (base.DatabaseIdConverter): a number past bigint
    # is a 400 here, not a PostgreSQL error that aborts the request's transaction.
    person = serializers.IntegerField(help_text="Person id", min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=APPOINTMENT_KIND_CHOICES)
    place = serializers.CharField(max_length=200)
    officer = serializers.CharField(
        required=False, help_text="Username of an officer in your agency; you by default"
    )
    joint_agency = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Agency code (joint home visits)"
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTES_MAX
    )
    sensitivity = serializers.ChoiceField(
        choices=Sensitivity.choices, required=False, default=Sensitivity.STANDARD
    )


class RescheduleInput(_SlotInput):
    version = serializers.IntegerField()
    reason = serializers.CharField(max_length=REASON_MAX)
    place = serializers.CharField(max_length=200, required=False)


class CancelInput(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.CharField(max_length=REASON_MAX)


class OutcomeInput(serializers.Serializer):
    version = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=OUTCOME_CHOICES)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=REASON_MAX
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTES_MAX
    )
    drug_test_result = serializers.ChoiceField(
        choices=DrugTestResult.choices, required=False, allow_blank=True, default=""
    )
    substances = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class OutcomeOutputSerializer(AppointmentOutputSerializer):
    consider_enforcement = serializers.BooleanField(
        help_text="2 or more unacceptable absences in 12 months"
    )

    class Meta(AppointmentOutputSerializer.Meta):
        ref_name = "AppointmentOutcome"
        fields = [*AppointmentOutputSerializer.Meta.fields, "consider_enforcement"]
        read_only_fields = fields


def _refused(error: booking.AppointmentError) -> serializers.ValidationError:
    return serializers.ValidationError({error.field or "non_field_errors": [str(error)]})


def _stale(error: StaleEdit) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)


class AppointmentViewSet(_PersonRecordBase):
    """Appointments: booked contacts. A booking becomes a contact when its
    outcome is recorded."""

    model = Appointment
    related = ("agency", "joint_agency", "officer")
    serializer_class = AppointmentOutputSerializer
    filterset_class = AppointmentFilter
    audit_name = "appointments"

    def _for_change(self, pk: int) -> Appointment:
        person_id = Appointment.objects.filter(pk=pk).values_list("person_id", flat=True).first()
        if person_id is None:
            raise Http404
        person_get_for(self.request.user, person_id, for_change=True)
        appointment = self.get_queryset().filter(pk=pk).first()
        if appointment is None:
            raise Http404
        return appointment

    def _input(self, serializer: type[serializers.Serializer]) -> dict[str, Any]:
        data = serializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=BookInput, responses={201: BookedSerializer, 400: BAD_REQUEST})
    def create(self, request: Request) -> Response:
        """Book an appointment for a person, with an officer of your agency."""
        values = self._input(BookInput)
        person = person_get_for(request.user, values.pop("person"), for_change=True)
        by = cast(User, request.user)
        agency = agency_of(by)
        if values["sensitivity"] not in visible_sensitivities(agency):
            raise serializers.ValidationError(
                {"sensitivity": ["Your agency may not record information of this class."]}
            )
        officer = by
        if values.get("officer"):
            found = diary.officers_for(by).filter(username=values["officer"]).first()
            if found is None:
                raise serializers.ValidationError({"officer": ["Not an officer of your agency."]})
            officer = found
        joint = None
        if values["joint_agency"]:
            joint = Agency.objects.filter(code=values["joint_agency"], is_active=True).first()
            if joint is None:
                raise serializers.ValidationError({"joint_agency": ["No such agency."]})
        try:
            appointment = booking.appointment_book(
                person=person,
                kind=values["kind"],
                starts_at=values["starts_at"],
                ends_at=values["ends_at"],
                place=values["place"],
                officer=officer,
                joint_agency=joint,
                notes=values["notes"],
                sensitivity=values["sensitivity"],
                by=by,
            )
        except booking.AppointmentError as error:
            raise _refused(error) from None
        return Response(BookedSerializer(appointment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RescheduleInput,
        responses={201: BookedSerializer, 400: BAD_REQUEST, 409: STALE_VERSION},
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: int) -> Response:
        """Move a booked appointment: the old one ends as rescheduled and the
        new one (returned) points back at it."""
        appointment = self._for_change(pk)
        values = self._input(RescheduleInput)
        try:
            moved = booking.appointment_reschedule(
                appointment=appointment, by=cast(User, request.user), **values
            )
        except StaleEdit as error:
            return _stale(error)
        except booking.AppointmentError as error:
            raise _refused(error) from None
        return Response(BookedSerializer(moved).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CancelInput,
        responses={200: AppointmentOutputSerializer, 400: BAD_REQUEST, 409: STALE_VERSION},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        appointment = self._for_change(pk)
        values = self._input(CancelInput)
        try:
            cancelled = booking.appointment_cancel(
                appointment=appointment, by=cast(User, request.user), **values
            )
        except StaleEdit as error:
            return _stale(error)
        except booking.AppointmentError as error:
            raise _refused(error) from None
        return Response(AppointmentOutputSerializer(cancelled).data)

    @extend_schema(
        request=OutcomeInput,
        responses={200: OutcomeOutputSerializer, 400: BAD_REQUEST, 409: STALE_VERSION},
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: int) -> Response:
        """Record what happened: the appointment becomes a contact."""
        appointment = self._for_change(pk)
        values = self._input(OutcomeInput)
        try:
            recorded = booking.appointment_outcome_record(
                appointment=appointment, by=cast(User, request.user), **values
            )
        except StaleEdit as error:
            return _stale(error)
        except booking.AppointmentError as error:
            raise _refused(error) from None
        data = AppointmentOutputSerializer(recorded.appointment).data
        return Response({**data, "consider_enforcement": recorded.consider_enforcement})
