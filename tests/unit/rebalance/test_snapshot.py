"""Building an instance from the domain's records for a given day."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain import Activity, Aspiration, AspirationWish, Employee, ReasonCategory, Unit
from core.rebalance.model import InstanceError
from core.rebalance.snapshot import build_instance

TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def staff(nip: str, unit: str, **fields: object) -> Employee:
    base: dict[str, object] = dict(
        nip=nip,
        name=nip,
        status="PNS",
        unit_code=unit,
        jabatan="perawat",
        golongan="III/a",
        tmt_unit=dt.date(2020, 1, 1),
        retirement_age=58,
    )
    base.update(fields)
    return Employee(**base)  # type: ignore[arg-type]


def wish(
    nip: str,
    choices: tuple[str, ...],
    *,
    willingness: int = 3,
    reason: ReasonCategory = ReasonCategory.HOME,
    expires_at: dt.datetime = NOW + dt.timedelta(days=180),
    withdrawn_at: dt.datetime | None = None,
) -> Aspiration:
    return Aspiration(
        nip,
        AspirationWish(choices, "", reason, "", willingness),
        NOW,
        expires_at,
        withdrawn_at=withdrawn_at,
    )


UNITS = [
    Unit("U1", "Satu", "Dinkes", -7.9, 110.6, ("keperawatan",)),
    Unit("U2", "Dua", "Dinkes", -7.8, 110.5),
]
A = "199001012015031001"  # born 1 Jan 1990
B = "199202022016032002"
C = "196901152000121001"  # born 15 Jan 1969: 58 on 15 Jan 2027


def test_demand_is_abk_minutes_over_wke_per_unit_and_jabatan() -> None:
    inst = build_instance(
        UNITS,
        [staff(A, "U1")],
        [
            Activity("U1", "perawat", "asuhan", "pasien", 60.0, 1500.0),
            Activity("U1", "perawat", "rujukan", "kasus", 30.0, 500.0),
            Activity("U2", "perawat", "asuhan", "pasien", 60.0, 2500.0),
        ],
        [],
        [],
        TODAY,
        wke_minutes=75_000,
    )
    by_id = {u.id: u for u in inst.units}
    assert by_id["U1"].demand == {"perawat": pytest.approx((90_000 + 15_000) / 75_000)}
    assert by_id["U2"].demand == {"perawat": pytest.approx(2.0)}
    assert inst.employees[0].family == "perawat"


def test_tenure_retirement_locks_and_pending_proposals_come_from_the_records() -> None:
    inst = build_instance(
        UNITS,
        [
            staff(A, "U1", tmt_unit=dt.date(2024, 12, 1)),
            staff(B, "U2", lock_reason="tugas belajar"),
            staff(C, "U1"),
        ],
        [],
        [],
        [A],
        TODAY,
    )
    e = {x.id: x for x in inst.employees}
    assert e[A].tenure_months == 23
    assert e[A].locked  # pending proposal
    assert e[B].locked  # lock reason
    assert not e[C].locked
    assert e[C].months_to_retirement == 1
    assert e[A].months_to_retirement == 253  # to 1 Jan 2048


def test_only_live_aspirations_count_and_spouses_must_name_each_other() -> None:
    inst = build_instance(
        UNITS,
        [staff(A, "U1", spouse_nip=B), staff(B, "U1", spouse_nip=A), staff(C, "U1", spouse_nip=A)],
        [],
        [
            wish(A, ("U2", "U1", "NOPE")),
            wish(B, ("U2",), withdrawn_at=NOW),
            wish(C, ("U2",), expires_at=NOW - dt.timedelta(days=1)),
        ],
        [],
        TODAY,
    )
    e = {x.id: x for x in inst.employees}
    assert e[A].aspirations == ("U2",)
    assert e[B].aspirations == () and e[C].aspirations == ()
    assert (e[A].spouse, e[B].spouse, e[C].spouse) == (B, A, None)


def test_records_that_cannot_make_an_instance_are_all_reported() -> None:
    with pytest.raises(InstanceError) as caught:
        build_instance(UNITS, [staff("12345", "U1"), staff(A, "GONE")], [], [], [], TODAY)
    assert len(caught.value.problems) == 2
