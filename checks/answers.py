"""From evidence to the checklist's answer: applying the register.

Dates in the register hold through their whole day (UTC): a plan due 2026-12-01 is `planned`
all of that day and `overdue` from 2026-12-02T00:00Z. An attestation holds for its validity
from the start of the day it was made, and one dated after `now` does not count yet.

Rules, in order:
1. Evidence that passes wins: the item is `pass`, whatever the register says.
2. An attestation answers an item the evidence cannot (no evidence, unknown): `pass` while
   valid, `expired` after. It does not override a concrete failing finding: evidence beats words.
3. A plan names a gap: `planned` until its due date, `overdue` after.
4. An accepted risk names a gap: `accepted` until it expires, `expired` after.
5. Otherwise the finding stands: `fail` (the unnamed gap), `unknown` or `not_applicable`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from checks.model import NO_EVIDENCE_SUMMARY, Answer, AnswerKind, Finding, Outcome, Status

_PLAIN = {
    Outcome.FAIL: Status.FAIL,
    Outcome.NO_EVIDENCE: Status.FAIL,
    Outcome.UNKNOWN: Status.UNKNOWN,
    Outcome.NOT_APPLICABLE: Status.NOT_APPLICABLE,
    Outcome.PASS: Status.PASS,
}


def _unanswered(finding: Finding) -> tuple[Status, str]:
    """No register entry: the finding stands. A gap without evidence says so in words that
    read the same on every item, then why there is none."""
    summary = finding.summary
    if finding.outcome is Outcome.NO_EVIDENCE and summary != NO_EVIDENCE_SUMMARY:
        summary = f"{NO_EVIDENCE_SUMMARY}: {summary}"
    return _PLAIN[finding.outcome], summary


def resolve(finding: Finding, answer: Answer | None, now: datetime) -> tuple[Status, str]:
    """The item's status and summary, given what evidence found and what humans answered."""
    if finding.outcome is Outcome.PASS or finding.outcome is Outcome.NOT_APPLICABLE:
        return _PLAIN[finding.outcome], finding.summary
    if answer is None:
        return _unanswered(finding)
    lapsed = now >= answer.lapses_at
    when = answer.dated.isoformat()
    match answer.kind:
        case AnswerKind.ATTESTED:
            if answer.dated > now.date():  # dated in the future (an audit with an early --now)
                return _unanswered(finding)
            # The last whole day it holds, so "through" means the same as for accepted risks.
            through = (answer.lapses_at - timedelta(microseconds=1)).date().isoformat()
            if finding.outcome is Outcome.FAIL:
                return Status.FAIL, (
                    f"{finding.summary} (attestation by {answer.owner} is contradicted by the "
                    "evidence)"
                )
            if lapsed:
                return Status.EXPIRED, (
                    f"attestation by {answer.owner} of {when}, valid through {through}, has "
                    f"expired: {answer.text}"
                )
            return (
                Status.PASS,
                f"attested by {answer.owner} on {when}: {answer.text} (valid through {through})",
            )
        case AnswerKind.PLANNED:
            if lapsed:
                return Status.OVERDUE, (
                    f"plan by {answer.owner} was due {when}: {answer.text}; {finding.summary}"
                )
            return Status.PLANNED, f"planned by {answer.owner}, due {when}: {answer.text}"
        case AnswerKind.ACCEPTED:
            if lapsed:
                return Status.EXPIRED, (
                    f"risk accepted by {answer.owner} through {when} has expired: {answer.text}"
                )
            return Status.ACCEPTED, (
                f"risk accepted by {answer.owner} through {when}: {answer.text}"
            )
