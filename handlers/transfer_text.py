"""Words for a transfer: the lines a card and a notice share, from `core.notices` content."""

from __future__ import annotations

import datetime as dt
from html import escape

from bot.i18n import Translator
from core.domain import ReasonCategory
from core.eligibility import Months
from core.notices import ROTATION_DUE_MONTHS, SideFigures, TransferContent
from handlers.formatting import duration_text

REASON_KEYS = frozenset(r.value for r in ReasonCategory)

#: Below this a gap is "about right" (staffing is whole people; ABK need is fractional).
EVEN_GAP = 0.05


def _side_line(t: Translator, side: SideFigures, which: str) -> str:
    gap = side.gap_before
    values = {
        "unit": escape(side.unit_name),
        "staff": side.staff_before,
        "need": t.fixed(side.required, 1),
        "after": side.staff_after,
        "gap": t.fixed(abs(gap), 1),
    }
    if gap > EVEN_GAP:
        return t(f"transfer.{which}_surplus", **values)
    if gap < -EVEN_GAP:
        return t(f"transfer.{which}_short", **values)
    return t(f"transfer.{which}_even", **values)


def who_lines(t: Translator, c: TransferContent) -> list[str]:
    """Who and where: name, NIP, position, origin -> destination, TMT."""
    lines = [
        t(
            "transfer.who",
            name=escape(c.name),
            nip=c.nip,
            jabatan=escape(c.jabatan),
            golongan=escape(c.golongan),
        ),
        t(
            "transfer.route",
            origin=escape(c.origin.unit_name),
            destination=escape(c.destination.unit_name),
        ),
    ]
    if c.tmt:
        lines.append(t("transfer.tmt", tmt=dt.date.fromisoformat(c.tmt)))
    return lines


def reason_lines(t: Translator, c: TransferContent) -> list[str]:
    """Why: the numbers behind the choice (docs/optimisation.md, explanations), in words."""
    lines = [_side_line(t, c.origin, "origin"), _side_line(t, c.destination, "destination")]
    if c.aspiration_rank is not None:
        lines.append(t("transfer.aspiration", rank=c.aspiration_rank))
    else:
        lines.append(t("transfer.no_aspiration"))
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
    if c.objective_delta is not None and c.objective_delta < 0:
        lines.append(t("transfer.delta", delta=t.fixed(-c.objective_delta, 1)))
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
        worse = t.fixed(max(0.0, c.alternative_delta or 0.0), 1)
        lines.append(t("transfer.alternative", unit=escape(c.alternative), delta=worse))
    return lines


def extra_lines(t: Translator, c: TransferContent) -> list[str]:
    """Training to recommend, the legal basis, what must happen before the move takes effect
    (a new SIP, the SPMT, the Minister's letter in a freeze)."""
    lines: list[str] = []
    if c.training:
        lines.append(t("transfer.training", skills=escape(", ".join(c.training))))
    lines.append(t("transfer.legal", laws=escape("; ".join(c.legal_basis))))
    if c.butuh_sip:
        lines.append(t("transfer.sip"))
    lines.append(t("transfer.spmt"))
    if c.freeze_note:
        lines.append(t("transfer.freeze"))
    return lines
