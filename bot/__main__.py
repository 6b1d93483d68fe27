"""`python -m bot` runs the same command line as `strategy-bot`."""

from bot.cli import main

main()
