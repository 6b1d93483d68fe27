"""The services: each takes plain values and a clock, and returns an Outcome."""
