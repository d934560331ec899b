"""Aspirations (flow 2): ranked wishes, checked at once against the rules that can refuse them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from core.domain import Aspiration, AuditEvent, Employee, ReasonCategory
from core.errors import InvalidInput, NotFound
from core.nip import InvalidNip, parse_nip
from core.ports import UnitOfWork

MAX_CHOICES = 3
WILLINGNESS_LEVELS = (1, 2, 3)  # 1: only to my choices, 2: willing, 3: very willing


class NotYourAspiration(NotFound):
    """The aspiration named is not the caller's current one."""

    key = "error.not_your_aspiration"


@dataclass(frozen=True, slots=True)
class EligibilityPolicy:
    """The settings that decide whether a person may be moved at all."""

    min_tenure_months: int = 24
    retirement_guard_months: int = 12
    aspiration_months: int = 12


@dataclass(frozen=True, slots=True)
class EligibilityProblem:
    """One reason a wish cannot be granted (now, or ever); `key` names the message."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)
    unit_code: str | None = None  # None: about the person, not one choice


@dataclass(frozen=True, slots=True)
class AspirationDraft:
    """What the ASN has chosen so far in the dialogue."""

    choices: tuple[str, ...]
    work_wished: str
    reason: ReasonCategory
    reason_text: str
    willingness: int


@dataclass(frozen=True, slots=True)
class SubmittedAspiration:
    """The stored aspiration and every problem found when it was submitted."""

    aspiration: Aspiration
    problems: tuple[EligibilityProblem, ...]


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from START to END (0 when END is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def add_months(day: dt.date, months: int) -> dt.date:
    """DAY moved forward by MONTHS, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")


def retirement_date(employee: Employee) -> dt.date | None:
    """The day the employee reaches retirement age (from the NIP's birth date), if known."""
    try:
        birth = parse_nip(employee.nip, employee.status).birth_date
    except InvalidNip:
        return None
    return add_months(birth, employee.retirement_age * 12)


def personal_eligibility(
    employee: Employee, today: dt.date, policy: EligibilityPolicy
) -> list[EligibilityProblem]:
    """Problems about the person that stop any transfer: tenure, lock, retirement."""
    problems: list[EligibilityProblem] = []
    tenure = months_between(employee.tmt_unit, today)
    if tenure < policy.min_tenure_months:
        problems.append(
            EligibilityProblem(
                "eligibility.tenure",
                {
                    "months": tenure,
                    "minimum": policy.min_tenure_months,
                    "from_date": add_months(employee.tmt_unit, policy.min_tenure_months),
                },
            )
        )
    if employee.lock_reason:
        problems.append(EligibilityProblem("eligibility.locked", {"reason": employee.lock_reason}))
    retire = retirement_date(employee)
    if retire is not None and months_between(today, retire) <= policy.retirement_guard_months:
        problems.append(
            EligibilityProblem(
                "eligibility.retirement",
                {"date": retire, "guard": policy.retirement_guard_months},
            )
        )
    return problems


async def choice_problems(
    uow: UnitOfWork, employee: Employee, unit_code: str
) -> list[EligibilityProblem]:
    """Problems with one destination: unknown, the current unit, or no such jabatan there."""
    unit = await uow.units.get(unit_code)
    if unit is None:
        return [EligibilityProblem("eligibility.unknown_unit", {"unit": unit_code}, unit_code)]
    if unit.code == employee.unit_code:
        return [EligibilityProblem("eligibility.same_unit", {"unit": unit.name}, unit.code)]
    if not await uow.activities.list_for(unit.code, employee.jabatan):
        return [
            EligibilityProblem(
                "eligibility.no_jabatan",
                {"unit": unit.name, "jabatan": employee.jabatan},
                unit.code,
            )
        ]
    return []


def validate_draft(draft: AspirationDraft) -> None:
    """Raise InvalidInput when the draft breaks the shape rules (1-3 distinct choices, ...)."""
    if not 1 <= len(draft.choices) <= MAX_CHOICES:
        raise InvalidInput(field="choices")
    if len(set(draft.choices)) != len(draft.choices):
        raise InvalidInput(field="choices")
    if draft.willingness not in WILLINGNESS_LEVELS:
        raise InvalidInput(field="willingness")
    if len(draft.reason_text) > 1000 or len(draft.work_wished) > 200:
        raise InvalidInput(field="text")


def validate_aspiration(aspiration: Aspiration) -> None:
    """The same shape rules as `validate_draft`, for aspirations written in bulk (demo, import):
    every write path goes through them. Raises InvalidInput."""
    validate_draft(
        AspirationDraft(
            aspiration.choices,
            aspiration.work_wished,
            aspiration.reason,
            aspiration.reason_text,
            aspiration.willingness,
        )
    )


def aspiration_record(aspiration: Aspiration) -> dict[str, Any]:
    """The audit form of an aspiration."""
    return {
        "id": aspiration.id,
        "choices": list(aspiration.choices),
        "work_wished": aspiration.work_wished,
        "reason": aspiration.reason.value,
        "willingness": aspiration.willingness,
        "expires_at": aspiration.expires_at.isoformat(),
    }


async def submit_aspiration(
    uow: UnitOfWork,
    *,
    nip: str,
    draft: AspirationDraft,
    now: dt.datetime,
    today: dt.date,
    policy: EligibilityPolicy,
) -> SubmittedAspiration:
    """Store DRAFT as NIP's aspiration (replacing the current one); commits with an audit event."""
    validate_draft(draft)
    employee = await uow.employees.get(nip)
    if employee is None:
        raise NotFound(nip=nip)
    problems = personal_eligibility(employee, today, policy)
    for code in draft.choices:
        found = await choice_problems(uow, employee, code)
        if any(p.key in ("eligibility.unknown_unit", "eligibility.same_unit") for p in found):
            raise InvalidInput(field="choices", unit=code)
        problems.extend(found)
    previous = await uow.aspirations.current_for(nip)
    if previous is not None:
        await uow.aspirations.withdraw(nip, now)
    stored = await uow.aspirations.add(
        Aspiration(
            nip=nip,
            choices=draft.choices,
            work_wished=draft.work_wished,
            reason=draft.reason,
            reason_text=draft.reason_text,
            willingness=draft.willingness,
            created_at=now,
            expires_at=add_months_dt(now, policy.aspiration_months),
        )
    )
    await uow.audit.add(
        AuditEvent(
            nip,
            "aspiration.submit",
            f"employee:{nip}",
            now,
            aspiration_record(previous) if previous else None,
            aspiration_record(stored),
        )
    )
    await uow.commit()
    return SubmittedAspiration(stored, tuple(problems))


async def withdraw_aspiration(
    uow: UnitOfWork, *, nip: str, aspiration_id: int, now: dt.datetime
) -> Aspiration:
    """Withdraw NIP's current aspiration if it is ASPIRATION_ID; commits with an audit event."""
    current = await uow.aspirations.current_for(nip)
    if current is None or current.id != aspiration_id:
        raise NotYourAspiration(aspiration=aspiration_id)
    await uow.aspirations.withdraw(nip, now)
    await uow.audit.add(
        AuditEvent(nip, "aspiration.withdraw", f"employee:{nip}", now, aspiration_record(current))
    )
    await uow.commit()
    return current


def add_months_dt(moment: dt.datetime, months: int) -> dt.datetime:
    """MOMENT moved forward by MONTHS, same time of day and zone."""
    day = add_months(moment.date(), months)
    return moment.replace(year=day.year, month=day.month, day=day.day)
