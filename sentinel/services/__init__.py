"""Application services: what the command line and the HTTP API both call.

One module per domain (alerts, incidents, drafts, register, rules, sources,
audit). Each takes the ``Actor`` who is asking, checks what that actor may do,
calls the domain below and returns pydantic read models, so ``--json`` and the
API show the same shapes. Nothing below this package imports it.
"""
