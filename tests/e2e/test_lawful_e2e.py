"""End to end over HTTP (issue 15): what a person said is a hard rule for the plan, and a
teacher is told the 4-year rule at once."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.domain import Activity, Unit
from tests.support.e2e import E2E
from tests.support.loop_agency import ADMIN, JAKARTA, NURSE_A, NURSE_B, employee

pytestmark = pytest.mark.e2e


async def proposals_by_nip(loop: E2E) -> dict[str, str]:
    async with loop.uows() as uow:
        plan = await uow.plans.latest()
        assert plan is not None and plan.id is not None
        return {p.nip: p.to_unit for p in await uow.proposals.list_for_plan(plan.id)}


async def test_only_my_choices_keeps_the_nurse_out_of_a_plan_for_another_unit(
    loop: E2E,
) -> None:
    """Both nurses of PKM-A would go to PKM-B (the admin's what-if shows 2 moves). Siti says
    "Hanya ke pilihan saya" for Puskesmas Cempaka, which has its nurse already: the plan
    leaves her in place rather than send her anywhere she did not list."""
    async with loop.uows() as uow:
        await uow.units.upsert(
            Unit("PKM-C", "Puskesmas Cempaka", "Dinkes", -7.95, 110.58, ("keperawatan",))
        )
        await uow.activities.upsert(
            Activity("PKM-C", "Perawat Terampil", "Asuhan keperawatan", "pasien", 60.0, 250.0)
        )
        await uow.employees.upsert(
            dataclasses.replace(
                employee("199303032017032003", "Rina Wati", "PKM-C"), lock_reason="tugas belajar"
            )
        )
        await uow.commit()
    async with loop.running():
        users = await loop.register_everyone()
        siti, admin = users[NURSE_A], users[ADMIN]
        loop.clock.current = dt.datetime(2026, 11, 24, 10, 0, tzinfo=JAKARTA)
        await admin.send_command("/simulasi")
        before = await admin.wait_for_message(contains="mutasi; skor", timeout=20)
        assert "2 mutasi" in before.body and "Siti Aminah" in before.body

        await siti.send_command("/aspirasi")
        await siti.wait_for_message(contains="Pilihan ke-1")
        await siti.send_text("cempaka")
        listing = await siti.wait_for_message(
            lambda m: "Puskesmas Cempaka (PKM-C)" in m.button_texts
        )
        await siti.press("Puskesmas Cempaka (PKM-C)", listing)
        await siti.wait_for_message(contains="Tambah pilihan ke-2")
        for button, answer in (
            ("✅ Cukup", "Pekerjaan apa"),
            ("Sama: Perawat Terampil", "alasan utama"),
            ("Keluarga / ikut pasangan", "Ceritakan alasan"),
            ("Lewati", "Seberapa bersedia"),
            ("Hanya ke pilihan saya", "Periksa aspirasi"),
            ("📨 Kirim", "Aspirasi tersimpan"),
        ):
            await siti.press(button)
            await siti.wait_for_message(contains=answer)
        async with loop.uows() as uow:
            wish = await uow.aspirations.current_for(NURSE_A)
        assert wish is not None and (wish.wish.choices, wish.wish.willingness) == (("PKM-C",), 1)

        await admin.send_command("/jalankan")
        await admin.wait_for_message(contains="dibuat", timeout=20)
        planned = await proposals_by_nip(loop)
        assert NURSE_A not in planned  # never to a unit she did not list
        assert planned.get(NURSE_B) == "PKM-B"  # the plan still works for the others

        await siti.send_command("/status")
        status = await siti.wait_for_message(contains="Unit:")
        assert (
            "Aspirasi ke Puskesmas Cempaka belum dapat dipenuhi: mutasi itu diperbolehkan, "
            "tetapi tidak membuat beban kerja lebih seimbang saat ini." in status.body
        )


async def test_a_teacher_at_thirty_months_is_told_the_four_year_rule_at_aspirasi(
    loop: E2E,
) -> None:
    today = dt.date(2026, 11, 24)
    arrived = dt.date(2024, 5, 24)  # 30 months before
    async with loop.uows() as uow:
        clerk = await uow.employees.get("198803032010011003")
        assert clerk is not None
        teacher = dataclasses.replace(
            clerk, jabatan="Guru Ahli Pertama", mapel="guru kelas", tmt_unit=arrived
        )
        await uow.employees.upsert(teacher)
        await uow.commit()
    async with loop.running():
        user = loop.emulator.user(103, "Dewi")
        await loop.register(user, teacher.nip)
        loop.clock.current = dt.datetime.combine(today, dt.time(9, 0), tzinfo=JAKARTA)
        await user.send_command("/aspirasi")
        told = await user.wait_for_message(contains="belum dapat dikabulkan")
    assert (
        "guru: minimal 4 tahun di sekolah; Anda baru 2 tahun 6 bulan, mulai 24 Mei 2028."
        in told.body
    )
