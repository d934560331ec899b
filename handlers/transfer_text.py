"""Words for a transfer, in two layers (docs/messages.md): the lines a card and a notice show on
the first screen, and the details one tap away (ℹ️ Rincian), from `core.domain.notices` content.

People are counted whole: the ABK need (fractional FTE) is rounded half-up to people, as
`core.domain.abk.WorkloadFigures.required_headcount` does, and every count is "after this move":
this
person only, whatever happens to the plan's other moves.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from core.domain import ReasonCategory
from core.domain.abk import round_half_up
from core.domain.notices import ROTATION_DUE_MONTHS, SideFigures, TransferContent
from core.domain.values import Months
from handlers.formatting import duration_text
from handlers.i18n import Translator

REASON_KEYS = frozenset(r.value for r in ReasonCategory)


def need_people(side: SideFigures) -> int:
    """The ABK need of one side in whole people (half-up)."""
    return round_half_up(side.required)


def after_move(side: SideFigures, *, leaving: bool) -> int:
    """Staff of the side after this one move (one fewer at the origin, one more at the
    destination); independent of the plan's other moves."""
    return side.staff_before - 1 if leaving else side.staff_before + 1


def gap_people(c: TransferContent) -> tuple[int, int]:
    """The two units' distance from their ABK need, in people, before and after this move:
    sum over both sides of |staff - need|. This is the one per-move measure people see
    ("selisih dengan kebutuhan ABK" / "gap to ABK need")."""
    before = abs(c.origin.staff_before - need_people(c.origin)) + abs(
        c.destination.staff_before - need_people(c.destination)
    )
    after = abs(after_move(c.origin, leaving=True) - need_people(c.origin)) + abs(
        after_move(c.destination, leaving=False) - need_people(c.destination)
    )
    return before, after


def title_of_person(t: Translator, c: TransferContent) -> str:
    """Name and position (the NIP and golongan are in the details)."""
    return t("transfer.who", name=escape(c.name), jabatan=escape(c.jabatan))


def route_line(t: Translator, c: TransferContent) -> str:
    """Origin -> destination, by name."""
    return t(
        "transfer.route",
        origin=escape(c.origin.unit_name),
        destination=escape(c.destination.unit_name),
    )


def tmt_line(t: Translator, c: TransferContent) -> str | None:
    """The TMT (effective date), when known."""
    return t("transfer.tmt", tmt=dt.date.fromisoformat(c.tmt)) if c.tmt else None


def main_reason(t: Translator, c: TransferContent) -> str | None:
    """The main reason in one sentence, or None when it is the person's own aspiration (the
    notice's opening and the card's ⭐ line say that already).

    The staffing of both units when this move brings them nearer their ABK need; otherwise
    the aspiration, else the chain of linked moves it belongs to, else a long stay in the unit;
    the staffing figures as a last resort."""
    staffing = {
        "need_origin": need_people(c.origin),
        "staff_origin": c.origin.staff_before,
        "need_destination": need_people(c.destination),
        "staff_destination": c.destination.staff_before,
    }
    before, after = gap_people(c)
    if after < before:
        return t("transfer.reason", **staffing)
    if c.aspiration_rank is not None:
        return None
    if c.chain_size > 1:
        return t(
            "transfer.reason_chain",
            count=c.chain_size,
            need_origin=staffing["need_origin"],
            staff_origin=staffing["staff_origin"],
        )
    if c.months_in_unit is not None and c.months_in_unit > ROTATION_DUE_MONTHS:
        return t("transfer.reason_rotation", count=c.months_in_unit)
    return t("transfer.reason", **staffing)


def headline_lines(t: Translator, c: TransferContent, *, reader: bool = False) -> list[str]:
    """First layer: who, from, to, TMT and the main reason. For the person themself (READER)
    only their name: they know their jabatan, and it is in the details."""
    who = t("transfer.who_reader", name=escape(c.name)) if reader else title_of_person(t, c)
    lines = [who, route_line(t, c)]
    tmt = tmt_line(t, c)
    if tmt:
        lines.append(tmt)
    reason = main_reason(t, c)
    if reason:
        lines.append(reason)
    return lines


def _side_line(t: Translator, side: SideFigures, *, leaving: bool) -> str:
    return t(
        "transfer.side_origin" if leaving else "transfer.side_destination",
        unit=escape(side.unit_name),
        need=need_people(side),
        fte=t.fixed(side.required, 1),
        staff=side.staff_before,
        after=after_move(side, leaving=leaving),
    )


def reason_lines(t: Translator, c: TransferContent) -> list[str]:
    """Every reason in words, for a document read away from the chat (the plan workbook): the
    main reason, then the numbers of both units, the aspiration, skills, distance, chain, tenure
    and the next-best unit."""
    main = main_reason(t, c)
    details = detail_lines(t, c)
    # detail_lines: identity first; training, legal basis and the SPMT step last.
    explained = [line for line in details[1:] if line not in _closing_lines(t, c)]
    asked = [] if c.aspiration_rank is not None else [t("card.not_asked")]
    return ([main] if main else []) + asked + explained


def _closing_lines(t: Translator, c: TransferContent) -> list[str]:
    lines = [t("transfer.legal", laws=escape("; ".join(c.legal_basis))), t("transfer.spmt")]
    if c.training:
        lines.append(t("transfer.training", skills=escape(", ".join(c.training))))
    return lines


def detail_lines(t: Translator, c: TransferContent) -> list[str]:
    """Second layer (ℹ️ Rincian): identity, the numbers, aspiration, skills, distance, chain,
    tenure, the next-best unit, training and the legal basis."""
    lines = [
        t("transfer.identity", nip=c.nip, jabatan=escape(c.jabatan), golongan=escape(c.golongan)),
        _side_line(t, c.origin, leaving=True),
        _side_line(t, c.destination, leaving=False),
    ]
    before, after = gap_people(c)
    if after < before:
        lines.append(t("transfer.gap", before=before, after=after))
    if c.aspiration_rank is not None:
        lines.append(t("transfer.aspiration", rank=c.aspiration_rank))
    if c.skills_matched:
        lines.append(t("transfer.skills", skills=escape(", ".join(c.skills_matched))))
    if c.distance_before_km is not None and c.distance_after_km is not None:
        lines.append(
            t(
                "transfer.distance",
                before=t.fixed(c.distance_before_km, 1),
                after=t.fixed(c.distance_after_km, 1),
            )
        )
    if c.chain_size > 1:
        lines.append(t("transfer.chain", count=c.chain_size))
    if c.aspiration_reason in REASON_KEYS:
        reason = t(f"reason.{c.aspiration_reason}")
        lines.append(t("transfer.aspiration_reason", reason=reason))
    due = (
        c.long_tenure
        if c.long_tenure is not None
        else c.months_in_unit is not None and c.months_in_unit > ROTATION_DUE_MONTHS
    )
    if due and c.months_in_unit is not None:
        lines.append(
            t("transfer.rotation_due", duration=duration_text(t, Months(c.months_in_unit)))
        )
    if c.alternative:
        lines.append(t("transfer.alternative", unit=escape(c.alternative)))
    if c.training:
        lines.append(t("transfer.training", skills=escape(", ".join(c.training))))
    lines.append(t("transfer.legal", laws=escape("; ".join(c.legal_basis))))
    lines.append(t("transfer.spmt"))
    return lines
