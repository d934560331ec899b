"""Message formatting shared by features: menus, units, aspirations, workload figures, problems."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape

from core.domain import Aspiration, Role, Unit
from core.domain.abk import WorkloadFigures
from core.domain.errors import MessageValue
from core.domain.values import Months
from core.usecases.aspirations import EligibilityProblem
from core.usecases.workload import WorkloadPreview
from handlers.context import CommandSpec
from handlers.i18n import Translator


def menu_text(
    t: Translator,
    roles: frozenset[Role] | None,
    specs: Iterable[CommandSpec],
    member: bool = False,
) -> str:
    """The lines `/command — what it does` for the commands available to ROLES (None: guest)
    and, for a MEMBER of the committee, to the committee."""
    lines: list[str] = []
    seen: set[str] = set()
    for spec in specs:
        if spec.name not in seen and spec.shown_to(roles, member):
            seen.add(spec.name)
            lines.append(f"/{spec.name} — {escape(t(spec.description_key))}")
    return "\n\n".join(lines)


def unit_label(unit: Unit) -> str:
    """A unit as a button or list reads it."""
    return f"{unit.name} ({unit.code})"


def problem_text(t: Translator, problem: EligibilityProblem) -> str:
    """One eligibility problem in plain words."""
    values = {k: _value(t, v) for k, v in problem.values.items()}
    return t(problem.key, **values)


def duration_text(t: Translator, span: Months) -> str:
    """Whole months as people say them: "2 tahun 5 bulan", "4 tahun", "7 bulan"; in English with
    plural forms ("1 year 1 month", "5 years 2 months")."""
    years = t("duration.years", count=span.years)
    months = t("duration.months", count=span.months)
    if span.years and span.months:
        return t("duration.years_months", years=years, months=months)
    return years if span.years else months


def _value(t: Translator, value: MessageValue) -> MessageValue:
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, Months):
        return duration_text(t, value)
    return value


def problems_block(t: Translator, problems: Sequence[EligibilityProblem]) -> str:
    """Bulleted problems, or '' when there are none."""
    return "\n".join(f"• {problem_text(t, p)}" for p in problems)


def aspiration_text(t: Translator, aspiration: Aspiration, unit_names: Mapping[str, str]) -> str:
    """An aspiration summarised: ranked choices, work, reason, willingness, expiry."""
    choices = "\n".join(
        t("aspiration.choice_line", rank=i + 1, unit=escape(unit_names.get(c, c)))
        for i, c in enumerate(aspiration.wish.choices)
    )
    return t(
        "aspiration.summary",
        choices=choices,
        work=escape(aspiration.wish.work_wished or "—"),
        reason=t(f"reason.{aspiration.wish.reason.value}"),
        reason_text=escape(aspiration.wish.reason_text or "—"),
        willingness=t(f"willingness.{aspiration.wish.willingness}"),
        expires=aspiration.expires_at,
    )


def figures_text(t: Translator, figures: WorkloadFigures) -> str:
    """FTE need, staff in post, EJ and its category."""
    if figures.efficiency is None or figures.category is None:
        return t(
            "workload.figures_no_staff",
            minutes=t.number(figures.workload_minutes, 0),
            fte=t.fixed(figures.required_fte),
        )
    return t(
        "workload.figures",
        minutes=t.number(figures.workload_minutes, 0),
        fte=t.fixed(figures.required_fte),
        headcount=figures.required_headcount,
        staff=figures.staff_in_post,
        ej=t.fixed(figures.efficiency),
        category=figures.category,
        meaning=t(f"category.{figures.category}"),
    )


def preview_text(t: Translator, preview: WorkloadPreview, unit_name: str) -> str:
    """The report as the supervisor confirms it: each activity's volume, then the figures."""
    lines = "\n".join(
        t(
            "workload.line",
            activity=escape(line.activity.name),
            volume=t.number(line.monthly_volume),
            output=escape(line.activity.output_unit),
        )
        for line in preview.lines
    )
    return t(
        "workload.preview",
        unit=escape(unit_name),
        jabatan=escape(preview.jabatan),
        month=t.month(preview.month),
        lines=lines,
        figures="\n\n".join(
            part
            for part in (figures_text(t, preview.figures), comparison_text(t, preview))
            if part
        ),
    )


def comparison_text(t: Translator, preview: WorkloadPreview) -> str:
    """What the report changes: a replaced report of the same month, the figure it is compared
    with (side by side when the change is large), and the need the plan will use."""
    lines: list[str] = []
    if preview.replaces is not None:
        lines.append(
            t(
                "workload.replaces",
                month=t.month(preview.month),
                date=t.date(preview.replaces.reported_at.date()),
            )
        )
    previous = preview.previous
    if previous is not None and preview.large_change:
        source = (
            t("workload.source_document")
            if previous.month is None
            else t("workload.source_month", month=t.month(previous.month))
        )
        values = {
            "source": source,
            "old": t.fixed(previous.required_fte),
            "new": t.fixed(preview.figures.required_fte),
            "month": t.month(preview.month),
        }
        if previous.required_fte > 0:
            change = (preview.figures.required_fte - previous.required_fte) / previous.required_fte
            sign = "+" if change > 0 else ""  # "+958%" reads as a rise, "-91%" as a drop
            lines.append(
                t("workload.large_change", pct=sign + t.fixed(change * 100.0, 0), **values)
            )
        else:
            lines.append(t("workload.large_change_from_zero", **values))
    if preview.accepted_fte is not None:
        lines.append(
            t(
                "workload.need_after",
                count=preview.average_months,
                fte=t.fixed(preview.accepted_fte),
            )
        )
    return "\n\n".join(lines)
