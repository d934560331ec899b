"""Aspirations (flow 2): ranked wishes, checked at once against the rules that can refuse them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.domain import (
    Aspiration,
    AspirationWish,
    AuditEvent,
    Employee,
    JsonValue,
    Role,
    ScopeKind,
    Unit,
)
from core.domain.eligibility import (
    CONTRACT_END,
    CPNS,
    HEAD,
    LOCKED,
    RETIREMENT,
    SKP,
    TEACHER_TENURE,
    TENURE,
    JabatanInfo,
    PersonFacts,
    RuleSettings,
    add_months,
    catalogue_by_key,
    jabatan_info,
    latest_plan_tmt,
    months_between,
    person_blocks,
    retirement_date,
    tenure_rule,
)
from core.domain.errors import InvalidInput, MessageValue, NotFound
from core.domain.values import Months
from core.ports import UnitOfWork

MAX_CHOICES = 3
WILLINGNESS_LEVELS = (1, 2, 3)  # 1: only to my choices, 2: willing, 3: very willing


class NotYourAspiration(NotFound):
    """The aspiration named is not the caller's current one."""

    key = "error.not_your_aspiration"


@dataclass(frozen=True, slots=True)
class EligibilityPolicy(RuleSettings):
    """The settings that decide whether a person may be moved at all: the rules' own
    (core.domain.eligibility.RuleSettings, which this is), how long an aspiration lasts, and
    how far ahead a plan's TMT falls (months; working days an approval may take)."""

    aspiration_months: int = 12
    tmt_months_ahead: int = 2
    expiry_working_days: int = 10


@dataclass(frozen=True, slots=True)
class PersonContext:
    """What the person rules need beyond the employee record: the jabatan catalogue's row,
    whether the current unit is a daerah khusus school, whether the person heads a unit."""

    info: JabatanInfo | None = None
    daerah_khusus: bool = False
    is_head: bool = False


@dataclass(frozen=True, slots=True)
class EligibilityProblem:
    """One reason a wish cannot be granted (now, or ever); `key` names the message, `values`
    its formatting arguments."""

    key: str
    values: Mapping[str, MessageValue] = field(default_factory=dict)
    unit_code: str | None = None  # None: about the person, not one choice


@dataclass(frozen=True, slots=True)
class SubmittedAspiration:
    """The stored aspiration and every problem found when it was submitted."""

    aspiration: Aspiration
    problems: tuple[EligibilityProblem, ...]


def personal_eligibility(
    employee: Employee,
    today: dt.date,
    policy: EligibilityPolicy,
    context: PersonContext | None = None,
) -> list[EligibilityProblem]:
    """Problems about the person that stop any transfer, in words with the numbers: the rules
    of core.domain.eligibility (the engine's own), each telling which rule and until when."""
    ctx = context or PersonContext()
    info = ctx.info or jabatan_info(employee.jabatan, {})
    tenure = months_between(employee.tmt_unit, today)
    retire = retirement_date(employee)
    tmt = latest_plan_tmt(today, policy.tmt_months_ahead, policy.expiry_working_days)
    facts = PersonFacts(
        status=employee.status,
        jenis=info.jenis,
        tenure_months=tenure,
        months_to_retirement=months_between(today, retire) if retire else 1e9,
        min_tenure_override=info.min_tenure_months,
        daerah_khusus=ctx.daerah_khusus,
        locked=employee.locked,
        lock_until=employee.lock_until,
        contract_end=employee.contract_end,
        skp=(employee.skp_1, employee.skp_2),
        is_head=ctx.is_head,
    )
    problems: list[EligibilityProblem] = []
    for code in person_blocks(facts, today, tmt, policy):
        if code in (TENURE, TEACHER_TENURE):
            _, needed = tenure_rule(
                info.jenis, info.min_tenure_months, ctx.daerah_khusus, policy
            )
            minimum = int(needed)
            values: dict[str, MessageValue] = {
                "months": tenure,
                "minimum": minimum,
                "from_date": add_months(employee.tmt_unit, minimum),
            }
            if code == TEACHER_TENURE:
                values.update(served=Months(tenure), required=Months(minimum))
                problems.append(EligibilityProblem("eligibility.teacher_tenure", values))
            else:
                problems.append(EligibilityProblem("eligibility.tenure", values))
        elif code == CPNS:
            problems.append(EligibilityProblem("eligibility.cpns"))
        elif code == LOCKED:
            reason = employee.lock_reason or (employee.lock_kind or "").replace("_", " ")
            if employee.lock_until is not None:
                problems.append(
                    EligibilityProblem(
                        "eligibility.locked_until",
                        {"reason": reason, "until": employee.lock_until},
                    )
                )
            else:
                problems.append(EligibilityProblem("eligibility.locked", {"reason": reason}))
        elif code == RETIREMENT:
            problems.append(
                EligibilityProblem(
                    "eligibility.retirement",
                    {"date": retire, "guard": policy.retirement_guard_months},
                )
            )
        elif code == CONTRACT_END:
            problems.append(
                EligibilityProblem(
                    "eligibility.contract_end", {"date": employee.contract_end, "tmt": tmt}
                )
            )
        elif code == SKP:
            shown = " / ".join(r for r in (employee.skp_1, employee.skp_2) if r)
            problems.append(EligibilityProblem("eligibility.skp", {"ratings": shown}))
        elif code == HEAD:
            problems.append(EligibilityProblem("eligibility.head"))
    return problems


async def _heads_of(uow: UnitOfWork, units: list[Unit]) -> dict[str, set[str]]:
    """unit code -> NIPs of its head(s): `kepala_nip`, else its unit-scoped supervisors."""
    heads: dict[str, set[str]] = {u.code: {u.head_nip} for u in units if u.head_nip}
    named = set(heads)
    for grant in await uow.roles.list_by_role(Role.SUPERVISOR.value):
        code = grant.scope_value
        if grant.scope_kind == ScopeKind.UNIT and code and code not in named:
            heads.setdefault(code, set()).add(grant.nip)
    return heads


async def person_context(uow: UnitOfWork, employee: Employee) -> PersonContext:
    """The catalogue row, daerah khusus and head status of EMPLOYEE, read through UOW."""
    units = list(await uow.units.list())
    catalogue = catalogue_by_key(await uow.jabatan.list())
    heads = await _heads_of(uow, units)
    home = next((u for u in units if u.code == employee.unit_code), None)
    return PersonContext(
        info=jabatan_info(employee.jabatan, catalogue),
        daerah_khusus=home is not None and home.daerah_khusus,
        is_head=any(employee.nip in nips for nips in heads.values()),
    )


async def person_problems(
    uow: UnitOfWork, employee: Employee, today: dt.date, policy: EligibilityPolicy
) -> list[EligibilityProblem]:
    """`personal_eligibility` with the context read from the database."""
    return personal_eligibility(employee, today, policy, await person_context(uow, employee))


async def choice_problems(
    uow: UnitOfWork, employee: Employee, unit_code: str
) -> list[EligibilityProblem]:
    """Problems with one destination: unknown, the current unit, or no such jabatan there."""
    unit = await uow.units.get(unit_code)
    if unit is None:
        return [EligibilityProblem("eligibility.unknown_unit", {"unit": unit_code}, unit_code)]
    if unit.code == employee.unit_code:
        return [EligibilityProblem("eligibility.same_unit", {"unit": unit.name}, unit.code)]
    activities = await uow.activities.list_for(unit.code, employee.jabatan)
    if not activities:
        return [
            EligibilityProblem(
                "eligibility.no_jabatan",
                {"unit": unit.name, "jabatan": employee.jabatan},
                unit.code,
            )
        ]
    catalogue = catalogue_by_key(await uow.jabatan.list())
    teacher = employee.mapel and jabatan_info(employee.jabatan, catalogue).jenis == "guru"
    if teacher and not any(a.mapel == employee.mapel for a in activities):
        return [
            EligibilityProblem(
                "eligibility.no_subject",
                {"unit": unit.name, "mapel": employee.mapel},
                unit.code,
            )
        ]
    if employee.spouse_nip is not None:
        heads = (await _heads_of(uow, [unit])).get(unit.code, set())
        if employee.spouse_nip in heads:
            return [EligibilityProblem("eligibility.spouse_head", {"unit": unit.name}, unit.code)]
    return []


def validate_draft(draft: AspirationWish) -> None:
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
    validate_draft(aspiration.wish)


def aspiration_record(aspiration: Aspiration) -> dict[str, JsonValue]:
    """The audit form of an aspiration."""
    wish = aspiration.wish
    return {
        "id": aspiration.id,
        "choices": list(wish.choices),
        "work_wished": wish.work_wished,
        "reason": wish.reason.value,
        "willingness": wish.willingness,
        "expires_at": aspiration.expires_at.isoformat(),
    }


async def submit_aspiration(
    uow: UnitOfWork,
    *,
    nip: str,
    draft: AspirationWish,
    now: dt.datetime,
    today: dt.date,
    policy: EligibilityPolicy,
) -> SubmittedAspiration:
    """Store DRAFT as NIP's aspiration (replacing the current one); commits with an audit event."""
    validate_draft(draft)
    employee = await uow.employees.get(nip)
    if employee is None:
        raise NotFound(nip=nip)
    problems = await person_problems(uow, employee, today, policy)
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
            wish=draft,
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
