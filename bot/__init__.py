"""strategy-bot's core: the domain, storage, services, configuration and CLI."""
