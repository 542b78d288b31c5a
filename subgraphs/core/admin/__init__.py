"""Admin operations of the core app: users (list, search, disable, enable) and invites.

Everything here is `@auth(requires: ADMIN)`. API keys never reach it: a key's role is capped
at `user` (docs/identity.md), so `admin_only()` already refuses every key at the router;
the resolvers check again (`require_admin`) so a misconfigured router cannot open them.
"""
