"""Durable delivery: every message is a row written with the change that caused it,
sent afterwards, one row at a time, retried until it arrives or is known undeliverable.

- rows.py: writing rows (Unit.emit), what `strategy-bot jobs` lists;
- codec.py: a Message as JSON and back;
- deliver.py: the Deliverer (claim with a lease, send, mark; retry, next channel);
- claims.py: its statements (claiming a batch, marking a row sent, thread bindings);
- retry.py: when to try again;
- unreachable.py: telling the chair who cannot be reached;
- ports.py: a ChatPort seen as a Channel (test doubles, the simulation).
"""
