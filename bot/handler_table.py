"""Every handler of the bot in one ordered table.

python-telegram-bot tries the handlers of a group in the order they were added and the first
match wins, so this order is the order the bot answers in: commands, button presses, captioned
documents, and the dialogue flows (free text goes to the flow the person is in, through the
routers of handlers.dialogue, added after this table). The command menus list the commands in
this order too.

A new feature adds its rows here: `Command` (with its menu key and the roles that see it),
`Press` (its buttons' feature prefix), `CaptionedDocument`, `Flow` (its dialogue steps).
"""

from __future__ import annotations

from core.domain import Role
from handlers import (
    approval,
    arrival,
    aspiration,
    cancel,
    committee,
    delegation,
    digest,
    evaluation,
    help,
    importing,
    invitations,
    language,
    notice,
    plan,
    privacy,
    start,
    status,
    unit,
    workload,
)
from handlers.context import CaptionedDocument, Command, DialogueRoute, Flow, Press, Row

ASN, SUPERVISOR, APPROVER, ADMIN = Role.ASN, Role.SUPERVISOR, Role.APPROVER, Role.ADMIN

HANDLERS: tuple[Row, ...] = (
    # everyone
    Command(("start",), start.start, "cmd.start"),
    Command(("bantuan", "help"), help.show_help, "cmd.bantuan"),
    # ASN: aspirations and where they stand
    Command(("aspirasi",), aspiration.start_aspiration, "cmd.aspirasi", (ASN,)),
    Press(aspiration.FEATURE, aspiration.on_press),
    Flow(aspiration.FEATURE, DialogueRoute(ASN, aspiration.on_text)),
    Command(("status",), status.show_status, "cmd.status", (ASN,)),
    # supervisors: workload (ABK) reports, their units
    Command(("bebankerja",), workload.start_report, "cmd.bebankerja", (SUPERVISOR,)),
    Press(workload.FEATURE, workload.on_press),
    Flow(workload.FEATURE, DialogueRoute(SUPERVISOR, workload.on_text, workload.on_document)),
    Command(("unit",), unit.show_units, "cmd.unit", (SUPERVISOR,)),
    Press(unit.FEATURE, unit.on_page),
    # admins: invitations and imports
    Command(("undang",), invitations.start_invite, "cmd.undang", (ADMIN,)),
    Press(invitations.FEATURE, invitations.on_press),
    Flow(invitations.FEATURE, DialogueRoute(ADMIN, invitations.on_text)),
    Command(("impor",), importing.start_import, "cmd.impor", (ADMIN,)),
    Press(importing.FEATURE, importing.on_press),
    CaptionedDocument(importing.CAPTION, importing.on_captioned_document),
    Flow(importing.FEATURE, DialogueRoute(ADMIN, importing.on_text, importing.on_document)),
    # everyone: language, privacy, cancelling a dialogue
    Command(("bahasa",), language.ask_language, "cmd.bahasa"),
    Press(language.FEATURE, language.choose_language),
    Command(("privasi",), privacy.privacy_notice, "cmd.privasi"),
    Command(("dataku",), privacy.my_data, "cmd.dataku"),
    Command(("koreksi",), privacy.ask_correction, "cmd.koreksi", (ASN,)),
    Flow(privacy.CORRECTION_FLOW, DialogueRoute(ASN, privacy.on_correction_text)),
    Command(("batal", "cancel"), cancel.cancel, "cmd.batal"),
    # the cycle (docs/architecture.md): plan, approval, notice, effect, evaluation
    # /usulan: the committee's members too (membership is a setting, not a role)
    Command(("usulan",), plan.show_awaiting, "cmd.usulan", (APPROVER,), members=True),
    Command(("rencana",), plan.show_plan, "cmd.rencana", (APPROVER, ADMIN)),
    Command(("jalankan",), plan.run_plan, "cmd.jalankan", (ADMIN,)),
    Command(("simulasi",), plan.simulate_plan, "cmd.simulasi", (ADMIN,)),
    Press(plan.FEATURE, plan.send_plan_workbook),
    Press(approval.FEATURE, approval.on_press),
    # ASN: the reason may come from an admin deciding a raised card; `decide` checks who.
    Flow(approval.REJECT_FLOW, DialogueRoute(ASN, approval.on_reject_reason)),
    Press(digest.FEATURE, digest.on_press),
    Command(("wakil",), delegation.wakil, "cmd.wakil", (APPROVER,)),
    Press(committee.FEATURE, committee.on_press),
    Flow(committee.DISSENT_FLOW, DialogueRoute(ASN, committee.on_dissent_reason)),
    Press(notice.FEATURE, notice.on_press),
    Flow(notice.OBJECTION_FLOW, DialogueRoute(ASN, notice.on_objection_reason)),
    Press(arrival.FEATURE, arrival.on_press),
    Press(arrival.ESCALATED_FEATURE, arrival.on_escalated_press),
    Press(evaluation.FEATURE, evaluation.on_score),
)
