"""What every view under /api/v1/ shares, whichever app it lives in (the
people API here, panels/api.py, pathways/api.py): how ids in paths are read
and how viewsets are routed. Authentication (tokens or a verified session),
the permission and JSON-only rendering are the defaults in REST_FRAMEWORK
(rrcase/settings/base.py), so a view that sets none of them gets all three.

Ids: a path id is `<dbid:…>`, digits that fit PostgreSQL's bigint. Anything
else (`abc`, `-1`, `1.json`, a 20-digit number) does not match the route, so
it is a 404 before any view code runs, never a 500 from `int()` or from the
database. Routers are SimpleRouter without format suffixes: the API is JSON
only, so `/meetings/1.json` is a 404 like any other unknown path.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.urls import register_converter
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.routers import SimpleRouter
from rest_framework.viewsets import GenericViewSet


class DatabaseIdConverter:
    """A primary key: 1 to 18 digits, so always below 2**63 (bigint)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(int(value))


register_converter(DatabaseIdConverter, "dbid")


# Base of every viewset under /api/v1/: `{pk}` is a dbid. (A comment: the
# schema shows a base class's docstring as the description of every operation.)
class ApiViewSet(GenericViewSet):
    lookup_value_converter = "dbid"


def api_router() -> SimpleRouter:
    """The router every app's API uses: path converters (so the viewset's
    dbid applies), trailing slashes, no format suffixes, no root view."""
    return SimpleRouter(use_regex_path=False)


class OutputModelSerializer(serializers.ModelSerializer):
    """A model serializer for output whose schema admits what it outputs.

    DRF drops `allow_blank` from read-only fields, so a text or choice field
    the model allows to be blank (a drug test result on a contact that is not a
    drug test, a strand not recorded) would be declared as a bare enum that the
    blank value then breaks. Here a field is blank-able when its model field is.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        model: type[Model] = self.Meta.model
        for name, field in fields.items():
            if not isinstance(field, serializers.CharField | serializers.ChoiceField):
                continue
            try:  # not yet bound, so `source` is set only where it was given
                model_field = model._meta.get_field(field.source or name)
            except FieldDoesNotExist:
                continue
            if getattr(model_field, "blank", False):
                field.allow_blank = True
        return fields


class ClockTimeSchema(OpenApiSerializerFieldExtension):
    """A time of day is written `13:30:00`. OpenAPI's `format: time` is RFC
    3339's full-time, which needs a UTC offset, so every TimeField would fail
    its own schema: declare the pattern instead."""

    target_class = "rest_framework.fields.TimeField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
            "example": "13:30:00",
        }


# A 400 from any API view: field errors (`{"occurred_on": ["…"]}`, with
# `non_field_errors` for the whole request) from a serializer or filter, or a
# refusal (`{"detail": "…"}`) from a service, such as an illegal transition.
BAD_REQUEST = OpenApiResponse(
    response={
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description="Field errors, each a list of messages, or a refusal in `detail`.",
)
# 409: the `version` sent is not the record's current version.
STALE_VERSION = OpenApiResponse(
    response={
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    description="Someone else changed this since you read it: read it again.",
)
