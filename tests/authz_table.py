"""Who may pass each operation's authorization: the one table tests/test_authz_walk.py walks.

Identities carry their scope: the supervisor holds the whole district, the dispatcher one town,
the moderator one site, the handler one department; the member and the admin hold no unit.
A row lists the identities that get past the operation's authorization (any answer but 401 or
403) with a request the schema accepts. Three rows pass everyone only because the request is
refused (422/404) before the staff check runs (calendar day, evidence upload, photo id): see
the notes.
"""

IDENTITIES = ("anonymous", "resident", "admin", "supervisor", "dispatcher", "moderator",
              "handler", "member")


EVERYONE = set(IDENTITIES)
ANY_STAFF = {"admin", "supervisor", "dispatcher", "moderator", "handler", "member"}
RESIDENT = {"resident"}
NOBODY: set[str] = set()
# Sign-in: whoever the credentials in the body name (throttled per address and name), so the
# caller's identity decides nothing; and the meeting's public event stream, which never ends
# by itself, so the walk does not call it.
BY_CREDENTIALS = {"credentials"}
NOT_WALKED = {"stream"}

RULES: dict[tuple[str, str], set[str]] = {
    ('DELETE', '/api/v1/assessment/evidence/{evidence_id}'): {'admin', 'dispatcher', 'moderator'},
    ('DELETE', '/api/v1/dispatch/calendar/{day}'): EVERYONE,
    ('DELETE', '/api/v1/intake/sensitive-words/{word_id}'): {'admin'},
    ('DELETE', '/api/v1/sites/{code}/follow'): RESIDENT,
    ('GET', '/api/v1/assessment/checklist/items'):
        {'admin', 'dispatcher', 'handler', 'moderator', 'supervisor'},
    ('GET', '/api/v1/assessment/checklist/sites'):
        {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/assessment/checklist/sites/{site_id}'):
        {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/assessment/demo-sites/shortfall'):
        {'admin', 'dispatcher', 'handler', 'moderator', 'supervisor'},
    ('GET', '/api/v1/assessment/departments'):
        {'admin', 'dispatcher', 'handler', 'moderator', 'supervisor'},
    ('GET', '/api/v1/assessment/evidence/{evidence_id}'):
        {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/assessment/export'):
        {'admin', 'dispatcher', 'handler', 'moderator', 'supervisor'},
    ('GET', '/api/v1/assessment/settings'):
        {'admin', 'dispatcher', 'handler', 'moderator', 'supervisor'},
    ('GET', '/api/v1/assessment/sites'):
        {'admin', 'dispatcher', 'handler', 'moderator', 'supervisor'},
    ('GET', '/api/v1/audit/events'): {'admin'},
    ('GET', '/api/v1/audit/events/export'): {'admin'},
    ('GET', '/api/v1/auth/me'): ANY_STAFF,
    ('GET', '/api/v1/cases'): ANY_STAFF,
    ('GET', '/api/v1/cases/export'): ANY_STAFF,
    ('GET', '/api/v1/cases/{opinion_id}'): ANY_STAFF,
    ('GET', '/api/v1/departments'): ANY_STAFF,
    ('GET', '/api/v1/dispatch/calendar/{year}'): ANY_STAFF,
    ('GET', '/api/v1/dispatch/deadline-rules'): ANY_STAFF,
    ('GET', '/api/v1/dispatch/exports'): {'admin', 'supervisor'},
    ('GET', '/api/v1/dispatch/options'): ANY_STAFF,
    ('GET', '/api/v1/dispatch/reply-templates'): ANY_STAFF,
    ('GET', '/api/v1/dispatch/routes'): ANY_STAFF,
    ('GET', '/api/v1/evaluation/dashboard'): {'admin', 'dispatcher', 'supervisor'},
    ('GET', '/api/v1/evaluation/hot-topics'): {'admin', 'dispatcher', 'supervisor'},
    ('GET', '/api/v1/evaluation/outcomes/{outcome_id}/rating'): RESIDENT,
    ('GET', '/api/v1/evaluation/report'): {'admin', 'dispatcher', 'supervisor'},
    ('GET', '/api/v1/evaluation/units'): {'admin', 'dispatcher', 'supervisor'},
    ('GET', '/api/v1/evaluation/wall'): {'admin', 'dispatcher', 'supervisor'},
    ('GET', '/api/v1/evaluation/wall/stream'): {'admin', 'dispatcher', 'supervisor'},
    ('GET', '/api/v1/experts'): {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/experts/specialties'): {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/experts/{expert_id}'): {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/intake/admin/categories'): ANY_STAFF,
    ('GET', '/api/v1/intake/categories'): EVERYONE,
    ('GET', '/api/v1/intake/moderation'): {'admin', 'dispatcher'},
    ('GET', '/api/v1/intake/my/opinions'): RESIDENT,
    ('GET', '/api/v1/intake/my/opinions/{tracking_no}'): RESIDENT,
    ('GET', '/api/v1/intake/photos/{photo_id}'): EVERYONE,
    ('GET', '/api/v1/intake/sensitive-words'): {'admin', 'dispatcher'},
    ('GET', '/api/v1/intake/sites/{code}/overview'): EVERYONE,
    ('GET', '/api/v1/invitations'): ANY_STAFF,
    ('GET', '/api/v1/invitations/by-token/{token}'): EVERYONE,
    ('GET', '/api/v1/m/{code}'): EVERYONE,
    ('GET', '/api/v1/meeting-options'): {'admin', 'dispatcher', 'moderator'},
    ('GET', '/api/v1/meetings'): {'admin', 'dispatcher', 'moderator'},
    ('GET', '/api/v1/meetings/{meeting_id}'): {'admin', 'dispatcher', 'moderator'},
    ('GET', '/api/v1/meetings/{meeting_id}/join-code'): {'admin', 'dispatcher', 'moderator'},
    ('GET', '/api/v1/meetings/{meeting_id}/proposals'): {'admin', 'dispatcher', 'moderator'},
    ('GET', '/api/v1/meetings/{meeting_id}/snapshot'): {'admin', 'dispatcher', 'moderator'},
    ('GET', '/api/v1/meetings/{meeting_id}/suggestions'):
        {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/members'): {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/members/{member_id}'): {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/notifications'): ANY_STAFF,
    ('GET', '/api/v1/notifications/mine'): RESIDENT,
    ('GET', '/api/v1/notify/outbox'): {'admin'},
    ('GET', '/api/v1/opinions/{opinion_id}/suggestions'):
        {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/polls/{poll_id}/named-votes'): {'admin', 'dispatcher', 'moderator'},
    ('GET', '/api/v1/public/sites/{code}'): EVERYONE,
    ('GET', '/api/v1/public/sites/{code}/meetings'): EVERYONE,
    ('GET', '/api/v1/public/sites/{code}/topics'): EVERYONE,
    ('GET', '/api/v1/residents/me'): RESIDENT,
    ('GET', '/api/v1/sites'): ANY_STAFF,
    ('GET', '/api/v1/sites/{code}/follow'): RESIDENT,
    ('GET', '/api/v1/sites/{site_id}'):
        {'admin', 'dispatcher', 'member', 'moderator', 'supervisor'},
    ('GET', '/api/v1/sites/{site_id}/poster.pdf'):
        {'admin', 'dispatcher', 'member', 'moderator', 'supervisor'},
    ('GET', '/api/v1/sites/{site_id}/poster.png'):
        {'admin', 'dispatcher', 'member', 'moderator', 'supervisor'},
    ('GET', '/api/v1/sites/{site_id}/qr.png'):
        {'admin', 'dispatcher', 'member', 'moderator', 'supervisor'},
    ('GET', '/api/v1/sites/{site_id}/qr.svg'):
        {'admin', 'dispatcher', 'member', 'moderator', 'supervisor'},
    ('GET', '/api/v1/sites/{site_id}/scans'):
        {'admin', 'dispatcher', 'member', 'moderator', 'supervisor'},
    ('GET', '/api/v1/sites/{site_id}/wxacode.png'):
        {'admin', 'dispatcher', 'member', 'moderator', 'supervisor'},
    ('GET', '/api/v1/supervision/orders'): ANY_STAFF,
    ('GET', '/api/v1/supervision/orders/{order_id}'): ANY_STAFF,
    ('GET', '/api/v1/supervision/warnings'): ANY_STAFF,
    ('GET', '/api/v1/supervision/warnings/counts'): ANY_STAFF,
    ('GET', '/api/v1/thinktank/suggestions'): {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('GET', '/api/v1/units'): ANY_STAFF,
    ('GET', '/api/v1/units/{unit_id}/posters.pdf'): {'admin', 'member', 'supervisor'},
    ('GET', '/api/v1/units/{unit_id}/posters.zip'): {'admin', 'member', 'supervisor'},
    ('PATCH', '/api/v1/assessment/checklist/items/{item_id}'): {'admin'},
    ('PATCH', '/api/v1/experts/{expert_id}'): {'admin'},
    ('PATCH', '/api/v1/intake/admin/categories/{category_id}'): {'admin'},
    ('PATCH', '/api/v1/meetings/{meeting_id}'): {'admin', 'dispatcher', 'moderator'},
    ('PATCH', '/api/v1/members/{member_id}'): {'admin'},
    ('PATCH', '/api/v1/sites/{site_id}'): {'admin', 'dispatcher'},
    ('POST', '/api/v1/assessment/checklist/items'): {'admin'},
    ('POST', '/api/v1/assessment/checklist/sites/{site_id}/items/{item_id}/evidence'): EVERYONE,
    ('POST', '/api/v1/assessment/checklist/sites/{site_id}/items/{item_id}/review'):
        {'admin', 'supervisor'},
    ('POST', '/api/v1/auth/guest'): EVERYONE,
    ('POST', '/api/v1/auth/login'): BY_CREDENTIALS,
    ('POST', '/api/v1/auth/logout'): EVERYONE,
    ('POST', '/api/v1/auth/tokens'): BY_CREDENTIALS,
    ('POST', '/api/v1/auth/wechat'): BY_CREDENTIALS,
    ('POST', '/api/v1/cases/bulk-assign'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/accept'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/answer'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/approve-extension'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/assign'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/decline'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/merge'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/reassign'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/refuse-extension'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/request-extension'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/return'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/sign'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/start'): ANY_STAFF,
    ('POST', '/api/v1/cases/{opinion_id}/void'): ANY_STAFF,
    ('POST', '/api/v1/dispatch/reply-templates'): {'admin'},
    ('POST', '/api/v1/dispatch/routes'): {'admin'},
    ('POST', '/api/v1/experts'): {'admin'},
    ('POST', '/api/v1/intake/admin/categories'): {'admin'},
    ('POST', '/api/v1/intake/moderation/{opinion_id}'): {'admin', 'dispatcher'},
    ('POST', '/api/v1/intake/my/opinions/{tracking_no}/rating'): RESIDENT,
    ('POST', '/api/v1/intake/opinions'): RESIDENT,
    ('GET', '/api/v1/privacy/my-data'): RESIDENT,
    ('GET', '/api/v1/meetings/{meeting_id}/checkins/suspicious'):
        {'admin', 'dispatcher', 'moderator'},
    ('DELETE', '/api/v1/meetings/{meeting_id}/checkins/{resident_id}'):
        {'admin', 'dispatcher', 'moderator'},
    ('DELETE', '/api/v1/privacy/my-data'): RESIDENT,
    ('POST', '/api/v1/intake/opinions/{tracking_no}/support'): RESIDENT,
    ('POST', '/api/v1/intake/photos'):
        {'admin', 'dispatcher', 'handler', 'member', 'moderator', 'resident', 'supervisor'},
    ('POST', '/api/v1/intake/sensitive-words'): {'admin'},
    ('POST', '/api/v1/intake/similar'): EVERYONE,
    ('POST', '/api/v1/intake/staff/opinions'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/invitations'): {'admin', 'dispatcher', 'moderator', 'supervisor'},
    ('POST', '/api/v1/invitations/by-token/{token}/respond'): EVERYONE,
    ('POST', '/api/v1/invitations/{invitation_id}/respond'): ANY_STAFF,
    ('POST', '/api/v1/m/{code}/checkin'): RESIDENT,
    ('POST', '/api/v1/m/{code}/proposals'): RESIDENT,
    ('POST', '/api/v1/meeting-outcomes/{outcome_id}/case'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/meeting-outcomes/{outcome_id}/feedback'):
        {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/meeting-proposals/{proposal_id}/decision'):
        {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/meeting-topics/from-opinion'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/meeting-topics/{topic_id}/support'): RESIDENT,
    ('POST', '/api/v1/meetings'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/meetings/{meeting_id}/outcomes'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/meetings/{meeting_id}/polls'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/meetings/{meeting_id}/status'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/meetings/{meeting_id}/topics'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/members'): {'admin'},
    ('POST', '/api/v1/notifications/{notification_id}/read'):
        {'admin', 'dispatcher', 'handler', 'member', 'moderator', 'resident', 'supervisor'},
    ('POST', '/api/v1/notify/outbox/deliver'): {'admin'},
    ('POST', '/api/v1/notify/outbox/{notification_id}/retry'): {'admin'},
    ('POST', '/api/v1/polls/{poll_id}/close'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/polls/{poll_id}/open'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/polls/{poll_id}/paper'): {'admin', 'dispatcher', 'moderator'},
    ('POST', '/api/v1/polls/{poll_id}/votes'): RESIDENT,
    ('POST', '/api/v1/sites'): {'admin', 'dispatcher'},
    ('POST', '/api/v1/sites/{code}/topics'): RESIDENT,
    ('POST', '/api/v1/supervision/orders'): {'admin', 'supervisor'},
    ('POST', '/api/v1/supervision/orders/{order_id}/close'): ANY_STAFF,
    ('POST', '/api/v1/supervision/orders/{order_id}/escalate'): ANY_STAFF,
    ('POST', '/api/v1/supervision/orders/{order_id}/respond'): ANY_STAFF,
    ('POST', '/api/v1/supervision/sweep'): {'admin', 'supervisor'},
    ('PUT', '/api/v1/assessment/settings'): {'admin'},
    ('PUT', '/api/v1/dispatch/calendar'): {'admin'},
    ('PUT', '/api/v1/dispatch/deadline-rules'): {'admin'},
    ('PUT', '/api/v1/evaluation/outcomes/{outcome_id}/rating'): RESIDENT,
    ('PUT', '/api/v1/notify/templates/{event}'): {'admin'},
    ('PUT', '/api/v1/sites/{code}/follow'): RESIDENT,
    ('PUT', '/api/v1/supervision/departments/{department_id}/head'): {'admin'},
    ('GET', '/api/v1/m/{code}/events'): NOT_WALKED,
}
