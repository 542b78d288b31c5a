"""Accounts of the core app: sign-up, email codes, 2FA, sessions, password reset, throttling.

Each module is one concern (passwords, usernames, email codes, TOTP, sessions, resets,
throttle); `service.AccountService` ties them to Directus, Redis and the email sender, and
`subgraphs/core/mutations/` exposes one GraphQL operation per file.
"""
