"""The agenda pack and the minutes of a meeting as PDF, one version per
receiving agency.

Each copy is assembled for its recipient: only people the recipient agency
holds a grant on, and only sections whose class of information the sharing
agreement gives that agency — agency updates, discussion notes, decisions'
reasons and general notes marked police intelligence, health or MAPPA,
enforcement records of those classes, and mentions of MAPPA (or any other
class) panels are left out, not blanked. The copy counts what it left out of
each class and says so (and says nothing was, when nothing was); it does not
count mentions of other panels, so a copy never hints that a person is
discussed at a panel the recipient may not know of. The PDF is drawn by fpdf2 from
our own values; nothing in it is fetched. Every page carries the
OFFICIAL-SENSITIVE marking.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from offenders.models import Enforcement, EnforcementKind, PersonGroupObjectPermission
from rrcase.access.models import Agency
from rrcase.access.selectors import visible_sensitivities

from .agenda import previous_meeting
from .models import (
    AgendaItem,
    Attendance,
    PanelAction,
    PanelDecision,
    PanelMeeting,
    UpdateRequest,
)
from .selectors import CLASS_NOUNS, AgendaRow, agenda_rows, carried_actions, withhold_notes

MARKING = "OFFICIAL-SENSITIVE"
KINDS = {"agenda": "Agenda pack", "minutes": "Minutes"}
CLASS_LABELS = {
    "police_intelligence": "Police intelligence",
    "health": "Health",
    "mappa": "MAPPA",
    "standard": "Standard",
}


@dataclass
class PackItem(AgendaRow):
    """An agenda row in the papers, with the person's breaches, recalls and
    arrests since the last meeting (of classes the recipient may see)."""

    enforcements: list[Enforcement] = field(default_factory=list)


@dataclass
class Pack:
    meeting: PanelMeeting
    kind: str
    recipient: Agency
    classes: frozenset[str]
    items: list[PackItem]
    attendance: list[Attendance]
    carried: list[PanelAction]
    # Pieces of text left out of this copy, by class of information.
    withheld: Counter[str] = field(default_factory=Counter)

    @property
    def redaction_statement(self) -> str:
        """What the copy says about what it left out: true to the count."""
        if not self.withheld:
            return "Nothing was left out of this copy for its class of information."
        parts = [
            f"{n} item{'s' if n != 1 else ''} of {CLASS_NOUNS.get(c, c)}"
            for c, n in sorted(self.withheld.items(), key=lambda kv: CLASS_LABELS.get(kv[0], kv[0]))
        ]
        return (
            "Left out of this copy under the information sharing agreement: "
            + ", ".join(parts)
            + "."
        )


def _aware(day: datetime | object) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # type: ignore[arg-type]


def meeting_pack(*, meeting: PanelMeeting, recipient: Agency, kind: str) -> Pack:
    """What `recipient` may receive about this meeting, in constant queries."""
    # Read afresh: the caller's copy was loaded (and its general notes
    # withheld) for the person asking, who may be a chair of another agency.
    meeting = PanelMeeting.objects.select_related("panel_type").get(pk=meeting.pk)
    panel_type = meeting.panel_type
    classes = visible_sensitivities(recipient)
    granted = Exists(
        PersonGroupObjectPermission.objects.filter(
            group_id=recipient.group_id,
            permission__codename="view_person",
            permission__content_type__app_label="offenders",
            content_object=OuterRef("person_id"),
        )
    )
    since_meeting = previous_meeting(meeting)
    since = since_meeting.date if since_meeting else meeting.date - timedelta(days=31)
    items = list(
        AgendaItem.objects.filter(granted, meeting=meeting, person__restricted=False)
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "update_requests",
                queryset=UpdateRequest.objects.filter(responded_at__isnull=False).select_related(
                    "agency"
                ),
            ),
            Prefetch("decisions", queryset=PanelDecision.objects.order_by("decided_at")),
            Prefetch(
                "actions", queryset=PanelAction.objects.select_related("owner_agency", "owner_user")
            ),
            Prefetch(
                "person__enforcements",
                queryset=Enforcement.objects.filter(
                    kind__in=[
                        EnforcementKind.BREACH,
                        EnforcementKind.RECALL_REQUESTED,
                        EnforcementKind.RECALL,
                        EnforcementKind.ARREST,
                    ],
                    occurred_at__gte=_aware(since),
                    occurred_at__lt=_aware(meeting.date + timedelta(days=1)),
                ).order_by("occurred_at"),
                to_attr="pack_enforcements",
            ),
        )
        .order_by("position", "id")
    )
    withheld: Counter[str] = Counter()
    pack_items = []
    for row in agenda_rows(panel_type, meeting.date, items, classes):
        everything = row.item.person.pack_enforcements  # type: ignore[attr-defined]
        enforcements = [e for e in everything if e.sensitivity in classes]
        withheld.update(e.sensitivity for e in everything if e.sensitivity not in classes)
        if kind == "minutes":
            withheld.update(row.withheld)
        else:
            # The agenda pack prints updates, not discussion or decisions.
            withheld.update(
                u.sensitivity
                for u in row.item.update_requests.all()
                if u.sensitivity not in classes
            )
        pack_items.append(PackItem(**vars(row), enforcements=enforcements))
    if withhold_notes(meeting, classes) and kind == "minutes":
        withheld[meeting.notes_sensitivity] += 1
    return Pack(
        meeting=meeting,
        kind=kind,
        recipient=recipient,
        classes=classes,
        items=pack_items,
        attendance=list(Attendance.objects.filter(meeting=meeting).select_related("agency")),
        carried=carried_actions(meeting, granted),
        withheld=withheld,
    )


def _latin(text: object) -> str:
    """fpdf2's built-in Helvetica is Latin-1 only."""
    value = str(text)
    for wide, narrow in (("–", "-"), ("—", "-"), ("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        value = value.replace(wide, narrow)
    return value.encode("latin-1", "replace").decode("latin-1")


class _MarkedPDF(FPDF):
    recipient_line = ""

    def header(self) -> None:
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 6, MARKING, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "B", 8)
        self.cell(0, 6, _latin(f"{MARKING} - {self.recipient_line} - page {self.page_no()}"),
                  align="C")  # fmt: skip


def _day(value: object) -> str:
    return f"{value:%-d %B %Y}"


def render_pdf(pack: Pack) -> bytes:
    meeting, panel_type = pack.meeting, pack.meeting.panel_type
    title = f"{panel_type.name}: {KINDS[pack.kind].lower()}, {_day(meeting.date)}"
    pdf = _MarkedPDF(format="A4")
    pdf.recipient_line = f"copy for {pack.recipient.name}"
    pdf.set_title(_latin(title))
    pdf.set_author("rrcase")
    pdf.set_keywords(MARKING)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def heading(text: str, size: int = 12) -> None:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(0, size * 0.55, _latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 10)

    def line(text: str) -> None:
        pdf.multi_cell(0, 5, _latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    heading(title, 16)
    line(f"Copy for {pack.recipient.name}. Do not share beyond the recipient agency.")
    place = meeting.location or "Online"
    line(f"{meeting.start_time:%H:%M}, {place}. Status: {meeting.get_status_display()}.")
    line(pack.redaction_statement)

    heading("Attendance")
    present = [a for a in pack.attendance if a.status == "present"]
    if pack.attendance:
        for record in pack.attendance:
            extra = f" ({record.representative})" if record.representative else ""
            line(f"{record.agency.name}: {record.get_status_display()}{extra}")
    else:
        line("Not recorded.")
    quorate = "quorate" if len(present) >= panel_type.quorum else "not quorate"
    line(
        f"Quorum: {len(present)} of {panel_type.quorum} member agencies needed present, {quorate}."
    )
    declarations = [a for a in pack.attendance if a.declarations]
    if declarations:
        heading("Declarations of interest", 11)
        for record in declarations:
            line(f"{record.agency.name}: {record.declarations}")

    heading("Agenda" if pack.kind == "agenda" else "Discussion and decisions")
    if not pack.items:
        line("No items.")
    for n, entry in enumerate(pack.items, start=1):
        person = entry.item.person
        heading(f"{n}. {person.full_name} ({person.reference})", 11)
        line("On the agenda for: " + "; ".join(entry.reasons))
        if person.brag:
            line(f"BRAG: {person.get_brag_display()}")
        if entry.overlaps:
            line(f"Also discussed at: {', '.join(entry.overlaps)}. Lead panel: {entry.lead}.")
        for enforcement in entry.enforcements:
            label = CLASS_LABELS.get(enforcement.sensitivity, "")
            line(f"{enforcement.get_kind_display()} on {_day(enforcement.occurred_at)}"
                 f" [{label}]{': ' + enforcement.notes if enforcement.notes else ''}")  # fmt: skip
        for update in entry.updates:
            label = CLASS_LABELS.get(update.sensitivity, update.sensitivity)
            line(f"Update from {update.agency.name} [{label}]: {update.response}")
        if pack.kind == "minutes":
            if entry.item.discussion:
                line(f"Discussion: {entry.item.discussion}")
            for decision in entry.decisions:
                text = f"Decision: {decision.get_outcome_display()}"
                if decision.brag_to:
                    text += f"; BRAG to {decision.brag_to.capitalize()}"
                    if decision.brag_reason:
                        text += f" ({decision.brag_reason})"
                if decision.rationale:
                    text += f". {decision.rationale}"
                line(text)
            for action in entry.actions:
                owner = action.owner_agency.name
                if action.owner_user:
                    owner += f", {action.owner_user.get_full_name()}"
                line(f"Action: {action.description} - {owner}, due {_day(action.due_date)}")

    heading("Actions carried over from earlier meetings")
    if not pack.carried:
        line("None.")
    for action in pack.carried:
        who = action.person.full_name if action.person else "General"
        line(f"{who}: {action.description} - {action.owner_agency.name}, due "
             f"{_day(action.due_date)}")  # fmt: skip
    if pack.kind == "minutes" and meeting.notes:
        heading("General notes")
        line(meeting.notes)
    return bytes(pdf.output())
