"""One ``.eml`` file per affected member, for the organisation's own mail system to send.

Sentinel never sends these. It writes them only from approved letters with
nothing left to complete, so what reaches a member is exactly the text the
privacy officer approved, with their name in the mail-merge field. Members
without an email address (or missing from the directory) get no file; the
recipient list says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

from sentinel.drafts.errors import DraftError
from sentinel.drafts.members import AffectedMembers, Recipient
from sentinel.drafts.model import Draft
from sentinel.private_files import private_dir, write_private

NAME_FIELD = "[[name]]"
_SUBJECT = re.compile(r"^(?:Onderwerp|Subject):\s*(.+)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_GREETING_FALLBACK = {"nl": "lid", "en": "member"}


def unsendable(letters: Mapping[tuple[str, str], Draft]) -> list[str]:
    """Why these letters cannot go out yet: not approved, changed since, or still incomplete."""
    problems = []
    for draft in letters.values():
        if draft.approved is None:
            problems.append(f"{draft.id} is not approved")
        elif not draft.intact:
            problems.append(f"{draft.id} was changed after approval")
        if draft.open_questions:
            labels = ", ".join(q.label for q in draft.open_questions)
            problems.append(f"{draft.id} still has open questions: {labels}")
    return problems


FIX = (
    "Complete the facts, render the letters again and approve them "
    "(`sentinel drafts approve INC --kind member_letters`, or one `DRAFT_ID` at a time)"
)


def check_sendable(letters: Mapping[tuple[str, str], Draft]) -> None:
    """Refuse unless every letter is approved, unaltered and has no open questions."""
    problems = unsendable(letters)
    if problems:
        raise DraftError("no .eml files written: " + "; ".join(problems) + ". " + FIX)


def write_eml(
    folder: Path,
    members: AffectedMembers,
    letters: Mapping[tuple[str, str], Draft],
    *,
    sender: str = "",
) -> int:
    """Write a message per member with an email address; returns how many were written."""
    check_sendable(letters)
    private_dir(folder)
    written = 0
    for member in members.recipients():
        if member.status != "ok":
            continue
        letter = letters.get((member.segment_key, member.language))
        if letter is None:
            raise DraftError(
                f"no letter for segment {member.segment_key} in {member.language} "
                f"(member {member.member_id}); render the member letters again"
            )
        path = folder / f"{_UNSAFE.sub('_', member.member_id)}.eml"
        write_private(path, bytes(message(member, letter, sender)))
        written += 1
    return written


def message(member: Recipient, letter: Draft, sender: str) -> EmailMessage:
    first, _, body = letter.content.partition("\n")
    match = _SUBJECT.match(first)
    if match is None:
        raise DraftError(f"letter {letter.id} does not start with its subject line")
    name = " ".join(member.name.split()) or _GREETING_FALLBACK[member.language]
    msg = EmailMessage()
    msg["To"] = formataddr((" ".join(member.name.split()), member.email))
    if sender:
        msg["From"] = sender
    msg["Subject"] = match.group(1).strip()
    msg["X-Sentinel-Incident"] = letter.incident
    msg["X-Sentinel-Letter"] = letter.id
    msg["X-Unsent"] = "1"  # mail clients open it as a message still to send, not a received one
    msg.set_content(body.lstrip("\n").replace(NAME_FIELD, name))
    msg["Content-Language"] = member.language  # after set_content, which resets Content-*
    return msg
