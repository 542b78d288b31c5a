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
charged, with the subgraph's status. Reservations expire after their TTL (a crashed
router frees them). A missing balance is rebuilt from the ledger's sum under a lock;
settlements that land meanwhile are kept in `pending` and added only when the ledger
snapshot does not have them, so nothing is charged twice.
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
