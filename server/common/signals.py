"""Domain events that other domains may follow, without the sender importing them.

The duty domain (members' 履职 record) subscribes at app creation (`server.duty.hooks.
subscribe`); intake, dispatch, meetings, the think tank and proposals only send. Receivers
run synchronously in the sender's request, after the sender has committed its change.
"""

from __future__ import annotations

from blinker import Namespace

events = Namespace()

# sender: the Opinion just filed; resident_id, entered_by_id: who filed it (either may be None).
opinion_submitted = events.signal("opinion-submitted")
# sender: the Opinion whose case was just assigned or reassigned (to a member, maybe).
case_assigned = events.signal("case-assigned")
# sender: the Meeting; resident_id: the resident who just checked in.
meeting_checked_in = events.signal("meeting-checked-in")
# sender: the Topic a resident just raised at a site.
topic_raised = events.signal("topic-raised")
# sender: the Invitation a member just accepted or declined.
invitation_answered = events.signal("invitation-answered")
# sender: the lead Member; proposal_id, title: the proposal they just raised.
proposal_raised = events.signal("proposal-raised")
