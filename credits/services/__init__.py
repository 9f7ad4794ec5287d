"""Writes to the credit ledger and to trial usage, one module per business process.

- ledger: the lock and the two writes behind every change of a balance (used by the others);
- charge: spending credits on a feature, and refunding a charge at most once;
- grants: credits given, bought, adjusted by staff or expired;
- trial: the per-user trial generations;
- audit: alerting staff to balances that drift from their ledger.
"""
