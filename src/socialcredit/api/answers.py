"""What the three busiest routes answer, shared by the routes and the lean dispatch.

A recorded check, a subject's own score and a subject's own record are answered by
these functions and nothing else: the FastAPI routes (``routes/people.py``) call them
after FastAPI has matched, authenticated and validated the request, and the lean
dispatch (``hot.py``) calls them after doing the same on the exact happy path. One
body of code, so the two cannot drift apart in what they compute or record.

Each runs on the event loop: the answer is computed from a read-only snapshot (no lock
to wait for) and returned only once the group committer has made its access record
durable (application/group_commit.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from socialcredit.api import schemas as s
from socialcredit.application import Application
from socialcredit.application.group_commit import committer_for
from socialcredit.application.record_views import SubjectRecord
from socialcredit.application.views import DecisionView, ScoreReportView
from socialcredit.core.periods import parse_moment
from socialcredit.http.auth import Principal, actor_for, own_subject_of


def known(application: Application, value: str | None) -> datetime | None:
    """``known_at`` parsed against the application's clock; bad input is a 422."""
    if value is None:
        return None
    return parse_moment(value, now=application.settings.clock(), field="known_at")


async def check(application: Application, who: Principal, body: s.CheckCreate) -> DecisionView:
    """A verifier's recorded check (``POST /v1/checks``); ``who`` is a verifier."""
    actor = actor_for(who, body.purpose)
    pending = application.lists.check_prepare(
        actor,
        body.subject,
        body.service,
        as_of=body.as_of,
        known_at=known(application, body.known_at),
    )
    # Answered only once its access record is durable, in a commit shared with the
    # checks that arrived alongside.
    d = await asyncio.wrap_future(committer_for(application.store).submit(pending))
    return DecisionView.of(d)


async def own_score(
    application: Application, who: Principal, subject_id: str, scheme: str, known_at: str | None
) -> dict[str, Any]:
    """A subject's own explained score; ``who`` is a subject (404 for anyone else's)."""
    sid = own_subject_of(application, who, subject_id)
    pending = application.repairs.score_with_changes_prepare(
        actor_for(who), sid, scheme, known_at=known(application, known_at)
    )
    report, ahead = await asyncio.wrap_future(committer_for(application.store).submit(pending))
    body: dict[str, Any] = ScoreReportView.of(report).model_dump(mode="json") | ahead
    return body


async def own_record(
    application: Application, who: Principal, subject_id: str, known_at: str | None
) -> SubjectRecord:
    """A subject's complete own record; ``who`` is a subject (404 for anyone else's)."""
    sid = own_subject_of(application, who, subject_id)
    pending = application.access.export_prepare(
        actor_for(who), sid, known_at=known(application, known_at)
    )
    answer: SubjectRecord = await asyncio.wrap_future(
        committer_for(application.store).submit(pending)
    )
    return answer
