"""Local stand-ins for the services strategy-bot talks to, for the tests and the benchmarks.

Nothing here is part of the product (it is not packaged): the real SDKs talk to
these over real HTTP on 127.0.0.1, because the real services cannot be reached.
"""
