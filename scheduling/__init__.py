"""Time for strategy-bot: clocks, working days, statutory deadlines, the language of time."""
