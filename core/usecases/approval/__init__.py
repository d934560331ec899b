"""Flow 5: the approval chain, one-tap decisions, reminders and expiry.

Stages come from the `approval_chain` setting: comma-separated `name` or `name:opd`.
A `:opd` stage is decided by approvers whose grant covers the origin or destination unit (by
OPD or unit); another stage by approvers with an all-scope grant whose scope value is empty or
the stage's name. With one stage (the default), any approver covering either unit decides.

The package is split along its seams: `core.usecases.approval.chain` (stages, rules, who decides),
`core.usecases.approval.cards` (cards, notices and alerts through the outbox),
`core.usecases.approval.decisions`
(deciding a stage), `core.usecases.approval.groups` (approving many at once) and
`core.usecases.approval.reminders`
(the daily chase: reminders, raising, expiry). What awaits an approver is a view:
`core.views.proposals.awaiting`.
"""
