"""The read side: frozen views of what a person may see, each with its authorisation.

A view is read through the ports in one unit of work and returned as a frozen dataclass; the
handlers only render it (words, HTML, buttons). A caller who may not see a thing gets a typed
refusal from `core.domain.errors` (`NotFound`, `core.domain.access.OutOfScope`), never a partial
view.

- `core.views.status`: /status, the person's unit, tenure, aspiration, what stands in its way,
  their transfers and why an aspiration was not granted.
- `core.views.proposals`: a proposal's details as an approver opens them (the card's second
  layer: state, stage decisions), only for approvers whose scope covers one of its units.

The rest (a committee member's card, the units of a role's scope, /usulan, a digest page's
details, an arrival, /wakil, /aspirasi, the per-chat menus, ...) are listed with their
refusals in docs/architecture.md, "Rooms". No handler reads a repository itself.
"""
