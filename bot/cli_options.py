"""Options and arguments that more than one command takes, declared once (Typer reads the
`Annotated` metadata; the default stays with each command)."""

from __future__ import annotations

from typing import Annotated

import typer

#: `--seed` of the commands that build the sample kabupaten (`demo`, `bench`).
SampleSeed = Annotated[
    int,
    typer.Option(
        "--seed",
        help="Benih kabupaten contoh: benih sama, kabupaten sama. / The sample kabupaten's "
        "seed: the same seed builds the same kabupaten.",
    ),
]
#: The employee a `role` or `account` command is about.
EmployeeNip = Annotated[str, typer.Argument(help="NIP pegawai. / The employee's NIP.")]
#: The role a `role` command grants or revokes.
RoleName = Annotated[str, typer.Argument(help="supervisor, approver, admin")]
#: `--admin` of the commands an admin runs on someone's behalf (`spmt`, `surat-menteri`).
AdminNip = Annotated[str, typer.Option("--admin", help="NIP Anda (admin). / Your NIP (an admin).")]
#: `--yes` of the commands that ask before they change or replace the database (`db downgrade`,
#: `db restore`).
AssumeYes = Annotated[
    bool, typer.Option("--yes", help="Jangan bertanya (untuk skrip). / Do not ask.")
]
