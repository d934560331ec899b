"""Build a rebalancing instance from the domain's records, as they stand on a given day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

from core.domain import Activity, Aspiration, Employee, Unit
from core.domain.abk import (
    DEFAULT_WKE_MINUTES,
    canonical_families,
    demand_by_family,
    engine_families,
    staffing_by_family,
)
from core.domain.eligibility import (
    JabatanInfo,
    catalogue_by_key,
    jabatan_info,
    months_between,
    retirement_date,
)
from core.rebalance import model
from core.rebalance.model import Instance, InstanceError, Policy, instance_problems


def build_instance(
    units: Iterable[Unit],
    employees: Iterable[Employee],
    activities: Iterable[Activity],
    aspirations: Iterable[Aspiration],
    pending_nips: Iterable[str],
    today: dt.date,
    policy: Policy | None = None,
    wke_minutes: float = DEFAULT_WKE_MINUTES,
    *,
    catalogue: Iterable[JabatanInfo] = (),
    unit_heads: Mapping[str, Iterable[str]] | None = None,
    tmt: dt.date | None = None,
) -> Instance:
    """The instance for today: family = jabatan, demand = ABK minutes / WKE per (unit, jabatan);
    jabatan written differently (case, punctuation, abbreviation) are one family
    (core.domain.abk.canonical_families).

    A teacher's family is (jabatan, mapel) when the employee has a `mapel`, and an ABK activity
    with a `mapel` counts for that subject only: a teacher fills only their subject's need.
    Whether a jabatan is a teacher's comes from CATALOGUE (core.domain.eligibility defaults when it
    is
    not listed). A unit's heads are its `head_nip`, else UNIT_HEADS[code] (the supervisor
    grants). TMT is the latest day a move of this plan can take effect (PPPK contract ends).
    Employees with a pending proposal are locked (not movable again). Only live aspirations
    count (not withdrawn, not expired); the newest per employee wins. A (unit, jabatan) that
    has staff but no ABK activities gets demand equal to its current staff, so the engine never
    empties or fills it on a guess. Spouses are kept only when both name each other.
    Raises InstanceError listing every record that cannot be turned into a valid instance.
    """
    if wke_minutes <= 0:
        raise InstanceError(["wke_minutes must be positive"])
    unit_list = list(units)
    emp_list = list(employees)
    pending = set(pending_nips)
    known_units = {u.code for u in unit_list}
    problems: list[str] = []

    lookup = catalogue_by_key(catalogue)
    heads_of = unit_heads or {}
    act_list = list(activities)
    # Jabatan written differently count as one, for the demand and the people alike.
    family = canonical_families(emp_list, act_list, engine_families(catalogue))
    demand: dict[str, dict[str, float]] = defaultdict(dict)
    table = staffing_by_family(emp_list, act_list, wke_minutes, family)
    for (code, jabatan), need in demand_by_family(table).items():
        demand[code][jabatan] = need

    live: dict[str, Aspiration] = {}
    for asp in aspirations:
        if asp.withdrawn_at is not None or asp.expires_at.date() < today:
            continue
        if asp.nip not in live or asp.created_at > live[asp.nip].created_at:
            live[asp.nip] = asp

    by_nip = {e.nip: e for e in emp_list}
    out_units = tuple(
        model.Unit(
            id=u.code,
            name=u.name,
            lat=u.lat,
            lon=u.lon,
            skills_needed=tuple(u.skills_needed),
            demand=dict(demand.get(u.code, {})),
            daerah_khusus=u.daerah_khusus,
            heads=(u.head_nip,) if u.head_nip else tuple(sorted(set(heads_of.get(u.code, ())))),
        )
        for u in unit_list
    )
    unit_at = {u.code: u for u in unit_list}
    out_emps: list[model.Employee] = []
    for e in emp_list:
        if e.unit_code not in known_units:
            problems.append(f"employee {e.nip}: unknown unit {e.unit_code!r}")
            continue
        retire = retirement_date(e)  # the same reading of the NIP as aspiration eligibility
        if retire is None:
            problems.append(f"employee {e.nip}: NIP has no valid birth date")
            continue
        choices: list[str] = []
        aspiration = live.get(e.nip)
        wish = aspiration.wish if aspiration else None
        for code in wish.choices if wish else ():
            if code in known_units and code != e.unit_code and code not in choices:
                choices.append(code)
        spouse = e.spouse_nip
        if spouse is not None and (spouse not in by_nip or by_nip[spouse].spouse_nip != e.nip):
            spouse = None
        home = unit_at[e.unit_code]
        info = jabatan_info(e.jabatan, lookup)
        busy = e.nip in pending
        out_emps.append(
            model.Employee(
                id=e.nip,
                unit=e.unit_code,
                family=family(e.jabatan, e.mapel),
                skills=tuple(e.skills),
                home_lat=e.home_lat if e.home_lat is not None else home.lat,
                home_lon=e.home_lon if e.home_lon is not None else home.lon,
                tenure_months=float(months_between(e.tmt_unit, today)),
                months_to_retirement=float(months_between(today, retire)),
                locked=e.locked or busy,
                aspirations=tuple(choices[:3]),
                spouse=spouse,
                status=e.status,
                jenis=info.jenis,
                min_tenure_months=info.min_tenure_months,
                lock_until=None if busy else e.lock_until,  # a pending move is not dated
                contract_end=e.contract_end,
                skp=(e.skp_1, e.skp_2),
                willingness=wish.willingness if wish and choices else None,
                aspiration_reason=wish.reason.value if wish and choices else None,
            )
        )
    instance = Instance(policy or Policy(), out_units, tuple(out_emps), today, tmt)
    problems.extend(instance_problems(instance))
    if problems:
        raise InstanceError(problems)
    return instance
