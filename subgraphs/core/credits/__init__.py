"""Credits in the core app: `creditBalance`, `usageHistory` and the admin's `grantCredits`."""
