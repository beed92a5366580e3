"""REST API for panel meetings, decisions and actions (docs/panels.md).

Thin views over panels.selectors (the same scoping as the pages: panels the
user's agency sits on and may see, people the user may see; outsiders 404,
no permission 403) and panels.services for the one write, an action's
transition. Serializers list their fields. Every read is a consultation in
the audit trail; a list names the ids it returned.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action as route
from rest_framework.request import Request
from rest_framework.response import Response

from offenders.api.base import BAD_REQUEST, STALE_VERSION, ApiViewSet, api_router
from rrcase.audit.models import Action
from rrcase.audit.services import audit_record
from rrcase.core.text import NOTE, too_long

from . import selectors, services
from .models import ActionStatus, PanelAction, PanelDecision, PanelMeeting


class PersonRef(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    name = serializers.CharField(source="full_name")


class DecisionOut(serializers.ModelSerializer):
    # Plain strings (the values are documented in docs/panels.md) so these do
    # not add enums whose names collide with other apps' "status" and "outcome".
    outcome = serializers.CharField()
    meeting = serializers.IntegerField(source="item.meeting_id")
    person = PersonRef(source="item.person")
    # selectors.decision_list_for: empty when the reasons are of a class the
    # user's agency may not see, and `reasons_withheld` then names the class.
    brag_reason = serializers.CharField(source="shown_brag_reason")
    rationale = serializers.CharField(source="shown_rationale")
    reasons_withheld = serializers.CharField(
        help_text="The class of information of reasons left out (police_intelligence, "
        "health, mappa), or empty"
    )

    class Meta:
        model = PanelDecision
        fields = [
            "id", "meeting", "person", "outcome", "cohort", "brag_from", "brag_to",
            "brag_reason", "rationale", "reasons_withheld", "decided_at",
        ]  # fmt: skip


class ActionOut(serializers.ModelSerializer):
    panel = serializers.CharField(source="meeting.panel_type.name")
    person = PersonRef(allow_null=True)
    owner_agency = serializers.CharField(source="owner_agency.code")
    owner_user = serializers.CharField(source="owner_user.username", allow_null=True)
    status = serializers.CharField()
    tracker_status = serializers.SerializerMethodField()

    class Meta:
        model = PanelAction
        fields = [
            "id", "meeting", "panel", "person", "description", "owner_agency", "owner_user",
            "due_date", "status", "tracker_status", "outcome_note", "closed_at", "version",
        ]  # fmt: skip

    def get_tracker_status(self, obj: PanelAction) -> str:
        return obj.tracker_status(timezone.localdate())


class ActionTransitionIn(serializers.Serializer):
    status = serializers.CharField(help_text="done, not_possible or not_done", max_length=20)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE,
        error_messages={"max_length": too_long("Note", NOTE)},
    )
    version = serializers.IntegerField()

    def validate_status(self, value: str) -> str:
        if value not in (ActionStatus.DONE, ActionStatus.NOT_POSSIBLE, ActionStatus.NOT_DONE):
            raise serializers.ValidationError("Choose done, not_possible or not_done.")
        return value


class ActionQuery(serializers.Serializer):
    """The tracker's filters. A value that is not one of these is a 400."""

    view = serializers.ChoiceField(
        choices=list(selectors.TRACKER_VIEWS), required=False, help_text="Whose actions"
    )
    status = serializers.ChoiceField(
        choices=list(selectors.TRACKER_STATUSES), required=False, help_text="Where they stand"
    )

    def to_internal_value(self, data: Any) -> Any:
        # DRF reads a blank query value as "not given"; here it is a mistake.
        blank: dict[str, Any] = {
            name: [f"Give a value for {name}, or leave it out."]
            for name in list(self.fields)
            if name in data and not str(data.get(name, "")).strip()
        }
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)


class MeetingOut(serializers.ModelSerializer):
    panel = serializers.CharField(source="panel_type.name")
    panel_id = serializers.IntegerField(source="panel_type_id")
    status = serializers.CharField()

    class Meta:
        model = PanelMeeting
        fields = [
            "id", "panel", "panel_id", "date", "start_time", "location", "online_link",
            "status", "started_at", "concluded_at",
        ]  # fmt: skip


class AgendaItemOut(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    person = PersonRef(source="item.person")
    reasons = serializers.ListField(child=serializers.CharField())
    also_at = serializers.ListField(child=serializers.CharField(), source="overlaps")
    lead_panel = serializers.CharField(source="lead")
    # selectors.agenda_rows left out text of classes the user may not see;
    # the *_withheld fields name the class that was left out, else "".
    discussion = serializers.CharField(source="item.discussion")
    discussion_withheld = serializers.CharField(source="item.discussion_withheld")
    decisions = serializers.SerializerMethodField()

    def get_decisions(self, row: Any) -> list[dict[str, Any]]:
        return [
            {
                "outcome": d.outcome,
                "brag_to": d.brag_to,
                "rationale": d.rationale,
                "reasons_withheld": d.reasons_withheld,
            }
            for d in row.decisions
        ]


class MeetingDetailOut(MeetingOut):
    agenda = serializers.SerializerMethodField()
    quorum = serializers.SerializerMethodField()

    class Meta(MeetingOut.Meta):
        fields = [*MeetingOut.Meta.fields, "agenda", "quorum"]

    def get_agenda(self, obj: PanelMeeting) -> list[dict[str, Any]]:
        return AgendaItemOut(self.context["agenda"]["rows"], many=True).data  # type: ignore[return-value]

    def get_quorum(self, obj: PanelMeeting) -> dict[str, Any]:
        quorum = self.context["agenda"]["quorum"]
        return {"present": quorum.present, "required": quorum.required, "met": quorum.met}


# Credentials, permission and JSON as every API view (REST_FRAMEWORK defaults:
# a token or a verified session); ids in paths are dbids, so a bad id is a 404
# before any code here runs. (Comments, not a docstring: the schema would show
# a base class's docstring as every operation's description.)
class _Base(ApiViewSet):
    def _audit_list(self, what: str, ids: list[int]) -> None:
        audit_record(
            action=Action.CONSULT, actor=self.request.user, details={"api": what, "ids": ids}
        )


class MeetingViewSet(_Base, mixins.ListModelMixin):
    serializer_class = MeetingOut

    def get_queryset(self) -> QuerySet[PanelMeeting]:
        return (
            PanelMeeting.objects.filter(
                panel_type__in=selectors.panel_type_list_for(self.request.user).values("pk")
            )
            .select_related("panel_type")
            .order_by("-date", "id")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        self._audit_list("panel meetings", [m["id"] for m in response.data["results"]])
        return response

    @extend_schema(responses=MeetingDetailOut)
    def retrieve(self, request: Request, pk: int) -> Response:
        meeting = selectors.meeting_get_for(request.user, pk)
        agenda = selectors.meeting_agenda(request.user, meeting)
        audit_record(action=Action.CONSULT, actor=request.user, obj=meeting, details={"api": 1})
        return Response(MeetingDetailOut(meeting, context={"agenda": agenda}).data)


class DecisionViewSet(_Base, mixins.ListModelMixin):
    serializer_class = DecisionOut

    def get_queryset(self) -> QuerySet[PanelDecision]:
        return selectors.decision_list_for(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        self._audit_list("panel decisions", [d["id"] for d in response.data["results"]])
        return response


class ActionViewSet(_Base, mixins.ListModelMixin):
    serializer_class = ActionOut

    def get_queryset(self) -> QuerySet[PanelAction]:
        query = ActionQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.action_list_for(
            self.request.user,
            view=query.validated_data.get("view", "all"),
            status=query.validated_data.get("status", ""),
        )

    @extend_schema(
        parameters=[ActionQuery], responses={200: ActionOut(many=True), 400: BAD_REQUEST}
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        self._audit_list("panel actions", [a["id"] for a in response.data["results"]])
        return response

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(ActionOut(selectors.action_get_for(request.user, pk)).data)

    @extend_schema(
        request=ActionTransitionIn,
        responses={200: ActionOut, 400: BAD_REQUEST, 409: STALE_VERSION},
    )
    @route(detail=True, methods=["post"])
    def transition(self, request: Request, pk: int) -> Response:
        """Close an action: done, not possible (circumstances changed) or not
        done. 409 when `version` is stale, 400 when the transition is illegal."""
        action = selectors.action_get_for(request.user, pk, for_change=True)
        data = ActionTransitionIn(data=request.data)
        data.is_valid(raise_exception=True)
        service = services.ACTION_SERVICES[data.validated_data["status"]]
        try:
            changed = service(
                action=action,
                note=data.validated_data["note"],
                version=data.validated_data["version"],
                by=request.user,
            )
        except services.StaleEdit as stale:
            return Response({"detail": str(stale)}, status=status.HTTP_409_CONFLICT)
        except ValueError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ActionOut(selectors.action_get_for(request.user, changed.pk)).data)


router = api_router()
router.register("meetings", MeetingViewSet, basename="panel-meeting")
router.register("decisions", DecisionViewSet, basename="panel-decision")
router.register("actions", ActionViewSet, basename="panel-action")

app_name = "panels-api"
urlpatterns = router.urls
