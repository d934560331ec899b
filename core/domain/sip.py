"""Whether a move needs a new practice licence (SIP) for the destination facility.

PP 28/2024 (implementing UU 17/2023 on health) requires a *Surat Izin Praktik* of medical and
health workers who practise, and one SIP is valid for one place of practice (Pasal 682 ayat 2,
as the Ministry of Health explained it). A health worker moved to another facility therefore
needs a new SIP for the destination before working there (docs/after-approval.md).

The answer is the jabatan catalogue's `butuh_sip` (`jabatan.csv`), and for a jabatan the
catalogue does not list, the catalogue's documented reading of the name
(`core.domain.eligibility.default_jabatan_info`, docs/rules.md): one rule for the plan and the
notice.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.domain.eligibility import JabatanInfo, jabatan_info


def needs_sip(jabatan: str, catalogue: Mapping[str, JabatanInfo] | None = None) -> bool:
    """True when JABATAN needs a SIP tied to one facility. CATALOGUE is keyed by
    `core.domain.eligibility.catalogue_key` (see `catalogue_by_key`); empty or None: the name
    alone."""
    return jabatan_info(jabatan, catalogue or {}).needs_sip
