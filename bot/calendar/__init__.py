"""Calendar invitations: Outlook through Microsoft Graph, iCalendar by email, or the outbox.

- `port`: the calendar port (what the core asks of a calendar server), the meeting and
  `Invites` (the invitations one calendar holds).
- `ics`: iTIP documents (METHOD:REQUEST / CANCEL) with icalendar.
- `graph`: the port on Microsoft Graph, with O365 and msal, app-only.
- `tokens`: msal's token cache in the database, encrypted at rest.
- `routing`: who goes which way, built from the settings.
- `plan`: what a discussion's invitations should be, worked out without sending (pure).
- `sync`: the scheduled work that sends, updates and cancels invitations by the plan.
- `responses`: reads Outlook replies (the services apply them, in `calendar_replies`).
"""
