"""The first platform admin's invite, and the guidance printed after every start."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from shared.platform.services import environment
from shared.platform.settings import PlatformSettings, StackPaths

INVITES_MODULE = "subgraphs.core.invites"
NO_INVITES = "this version has no invite codes yet (subgraphs/core/invites.py)"


@dataclass(frozen=True)
class InviteOutcome:
    """What the invite command did: a new code (shown once), or why there is none."""

    code: str | None
    reason: str


def first_admin_invite(settings: PlatformSettings, paths: StackPaths) -> InviteOutcome:
    """Run `python -m subgraphs.core.invites first-run`: it creates the code only once."""
    module_file = paths.root / Path(*INVITES_MODULE.split(".")).with_suffix(".py")
    if not module_file.is_file():
        return InviteOutcome(None, NO_INVITES)
    log = paths.log("first-run")
    with log.open("ab") as stderr:
        done = subprocess.run(
            [sys.executable, "-m", INVITES_MODULE, "first-run"],
            cwd=paths.root,
            env=environment("cli", settings, paths),
            stdout=subprocess.PIPE,
            stderr=stderr,
            timeout=120,
            check=False,
        )
    lines = done.stdout.decode().strip().splitlines()
    try:
        answer = json.loads(lines[-1])
    except (IndexError, ValueError):
        return InviteOutcome(None, f"the invite command failed (exit {done.returncode}; see {log})")
    if answer.get("created") and answer.get("code"):
        return InviteOutcome(str(answer["code"]), "created")
    return InviteOutcome(None, str(answer.get("reason") or "no new code"))


def guidance(settings: PlatformSettings, paths: StackPaths, invite: InviteOutcome) -> str:
    """The text shown once the stack is up."""
    directus_secrets = paths.directus / "secrets.json"
    lines = [
        "",
        "Mateway is running.",
        f"  GraphiQL:        {settings.router_url}/graphql",
        f"  Directus admin:  {settings.directus_base_url}/admin",
        f"                   (Directus's own admin; email and password in {directus_secrets})",
        f"  Data, secrets:   {paths.data}  (platform secrets in {paths.secrets})",
        f"  Logs:            {paths.logs}",
        "",
    ]
    if invite.code is not None:
        lines += [
            f"  First admin invite code: {invite.code}",
            "  It is shown only this once. The first user who signs up with it becomes the",
            "  platform admin (separate from the Directus admin).",
        ]
    elif "unused" in invite.reason:
        lines += [
            "  The first admin invite code was shown when Mateway first started and is still",
            "  unused: the first user who signs up with it becomes the platform admin",
            "  (separate from the Directus admin).",
            f"  No new code was created: {invite.reason}.",
        ]
    else:
        lines.append(f"  No new admin invite code: {invite.reason}.")
    return "\n".join(lines)
