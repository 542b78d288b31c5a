"""Credits: the hot balance in Redis (Lua scripts), the ledger in Directus `usage`.

```python
credits = Credits(BalanceStore(redis), Ledger(directus))
await credits.reserve(user_id, request_id, cost)       # INSUFFICIENT_CREDITS when short
await credits.settle(user_id, request_id, Usage(7))    # once per request id
await credits.release(user_id, request_id)             # the request failed
await credits.grant(user_id, 100, "welcome")          # a ledger row, then the balance
```

Policy: a settlement charges what the subgraph reported. Below the reservation the rest is
freed; above it the excess is charged only as far as the balance (less the other live
reservations) allows, so a balance never goes negative; the ledger records what was
charged, with the subgraph's status ("ok", or "error" for a failed field that reported
work). Reservations expire after their TTL (a crashed router frees them); a priced one (its
ledger row may be written, its commit not yet) keeps its room for the settling TTL, an hour,
so a retried commit does not find the room taken by others.

Order of a settlement: Redis prices it (the hold grows to the charge), the ledger row is
written (a retried write is a no-op: RECORD_NOT_UNIQUE), then Redis applies it once per
request id, with or without a live hold: a retry that finds the row already written applies
the row's amount unless Redis marked the request applied (a week). A missing balance is
rebuilt from the ledger's sum under a lock: the rows of that week are marked as applied
(their late commits do nothing), and commits that land while the balance is missing wait in
`pending` and are added only when the snapshot lacks them. So after a Redis flush nothing is
charged twice, and a late retry after a partial success is not lost. When the ledger write
fails for good (Directus down past the retries) the settlement raises and nothing is charged
yet: the router sends it to the platform worker (tasks.py), which settles it again under the
same request id, with backoff, until it lands; it goes uncharged only when those retries run
out (logged as "credits settlement given up").
"""

from shared.credits.balance import BalanceStore, Quoted, Reserved
from shared.credits.ledger import Ledger, LedgerEntry, LedgerPage, LedgerSnapshot
from shared.credits.service import Credits, Usage

__all__ = [
    "BalanceStore",
    "Credits",
    "Ledger",
    "LedgerEntry",
    "LedgerPage",
    "LedgerSnapshot",
    "Quoted",
    "Reserved",
    "Usage",
]
