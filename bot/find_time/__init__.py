"""Finding a time before the deadline: whose calendars we can see, and a poll for the rest.

- `graph_schedule`: free/busy from Microsoft Graph getSchedule (tenant people only).
- `calendars_file`: simulated calendars from a YAML file, for the console and the demo.
- `generated`: realistic weekly calendars for the simulation (seeded, pure).
- `poll`: the poll's answers, the tally agency by agency, and the choice of slot.

The slots themselves and the free/busy types are pure scheduling:
`scheduling/slots.py` and `scheduling/availability.py`. See docs/find-a-time.md.
"""
