"""Calendar invitations: Outlook through Microsoft Graph, iCalendar by email, or the outbox.

- `port`: the calendar port (what the core asks of a calendar server) and the meeting.
- `ics`: iTIP documents (METHOD:REQUEST / CANCEL) with icalendar.
- `graph`: the port on Microsoft Graph, with O365 and msal, app-only.
- `tokens`: msal's token cache in the database, encrypted at rest.
- `routing`: who goes which way, built from the settings.
- `sync`: the scheduled work that sends, updates and cancels invitations.
- `responses`: the scheduled work that reads Outlook replies into the bot.
"""
