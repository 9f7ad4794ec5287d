"""Two years of synthetic history, loaded with COPY: organizations, AI usage rows and their
ledger rows, orders with their grants and subscriptions. Imported once Django is set up."""

import random
import time
import uuid
from datetime import datetime, timedelta

import psycopg
from django.db import connection

from accounts.models import Organization
from billing.models import CreditPack, Plan

from .config import BENCH_URL, HISTORY_DAYS, ORGANIZATIONS, USAGE_ROWS

# What a generation is: usage-log endpoint, ledger feature, credits, providers (with a weight,
# a typical duration in ms and a cost per call in USD).
KINDS = [
    ("story", 0.62, {"fast": 3, "premium": 8}, [("gemini", 6, 2200, "0.0010"), ("openai", 3, 3800, "0.0060"),
                                                 ("anthropic", 1, 4200, "0.0090")]),
    ("image", 0.30, {"fast": 5, "premium": 10}, [("stability", 5, 6500, "0.0300"), ("openai", 3, 9000, "0.0400"),
                                                  ("gemini", 2, 5000, "0.0390")]),
    ("video", 0.08, {"fast": 30, "premium": 60}, [("veo", 1, 65000, "1.2000")]),
]  # fmt: skip
FAILURE_RATE = {"gemini": 0.02, "openai": 0.03, "anthropic": 0.015, "stability": 0.04, "veo": 0.08}
CACHE_HIT_RATE = 0.05  # stories only


def _copy(conn, table: str, columns: list[str], rows) -> int:
    count = 0
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def make_organizations(now: datetime, rng: random.Random) -> list[tuple]:
    """(id, created_at, weight): created evenly over the history; usage weights fall off like Zipf."""
    created = Organization.objects.bulk_create(
        [Organization(name=f"Bench studio {n:04d}", is_personal=n % 5 != 0) for n in range(ORGANIZATIONS)]
    )
    organizations = []
    for rank, organization in enumerate(created, start=1):
        created_at = now - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400))
        organizations.append((organization.pk, created_at, 1 / rank**0.8))
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE accounts_organization SET created_at = %s, updated_at = %s WHERE id = %s",
            [(c, c, pk) for pk, c, _w in organizations],
        )
    return organizations


def load_usage(conn, organizations, now: datetime, rng: random.Random) -> tuple[int, int, int]:
    """The usage log and the ledger rows of the same generations: (usage rows, charges, refunds)."""
    ids = [o[0] for o in organizations]
    weights = [o[2] for o in organizations]
    kind_weights = [k[1] for k in KINDS]
    first = now - timedelta(days=HISTORY_DAYS)
    charges, refunds, usage = [], [], []
    for organization_id in rng.choices(ids, weights=weights, k=USAGE_ROWS):
        at = first + timedelta(seconds=rng.random() * HISTORY_DAYS * 86400)  # evenly over the history
        kind, _share, prices, providers = rng.choices(KINDS, weights=kind_weights)[0]
        quality = "premium" if rng.random() < 0.3 else "fast"
        provider, _weight, typical_ms, cost = rng.choices(providers, weights=[p[1] for p in providers])[0]
        if kind == "story" and rng.random() < CACHE_HIT_RATE:  # a cache hit: no charge, no provider call
            usage.append((organization_id, "generate-story", provider, 0, 0, "succeeded", "0", True, at))
            continue
        failed = rng.random() < FAILURE_RATE[provider]
        duration = int(rng.lognormvariate(0, 0.45) * typical_ms)
        credits = prices[quality]
        charge_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        charges.append((charge_id, organization_id, -credits, f"{kind}_{quality}", at))
        if failed:
            refunds.append(
                (
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    organization_id,
                    credits,
                    f"{kind}_{quality}",
                    at + timedelta(seconds=30),
                    charge_id,
                )
            )
        usage.append((organization_id, f"generate-{kind}", provider, 0 if failed else credits, duration,
                      "failed" if failed else "succeeded", "0" if failed else cost, False, at))  # fmt: skip
    _copy(
        conn,
        "aigen_aiusagelog",
        ["organization_id", "endpoint", "provider", "model", "credits", "duration_ms", "status", "error", "outcome",
         "cost_usd", "cache_hit", "created_at"],
        ((o, e, p, f"{p}-model", c, d, s, "" if s == "succeeded" else "provider error",
          "succeeded" if s == "succeeded" else "server_error", cost, hit, at)
         for o, e, p, c, d, s, cost, hit, at in usage),
    )  # fmt: skip
    ledger_columns = ["id", "organization_id", "type", "amount", "main_amount", "bonus_amount", "balance_after",
                      "bonus_balance_after", "feature", "reference_type", "reference_id", "description",
                      "refund_of_id", "created_at"]  # fmt: skip
    _copy(
        conn,
        "credits_credittransaction",
        ledger_columns,
        ((i, o, "usage", a, a, 0, 0, 0, f, "aigen.generationjob", i.hex, "AI", None, at)
         for i, o, a, f, at in charges),
    )  # fmt: skip
    _copy(
        conn,
        "credits_credittransaction",
        ledger_columns,
        ((i, o, "refund", a, a, 0, 0, 0, f, "aigen.generationjob", "", "refund", of, at)
         for i, o, a, f, at, of in refunds),
    )  # fmt: skip
    return len(usage), len(charges), len(refunds)


def load_orders(conn, organizations, now: datetime, rng: random.Random) -> tuple[int, int]:
    """Orders of the paying organizations (about a third): (orders, paid orders)."""
    plans = list(Plan.objects.filter(is_paid=True))
    packs = list(CreditPack.objects.all())
    gateways = ["midtrans"] * 6 + ["xendit"] * 3 + ["dev"]
    orders, grants, subscriptions = [], [], []
    for organization_id, created_at, weight in organizations:
        if rng.random() > 0.2 + weight:  # heavy users pay more often
            continue
        at = created_at + timedelta(days=rng.uniform(0, 10))
        plan = rng.choice(plans)
        gateway = rng.choice(gateways)
        last_period_start = None
        while at < now:
            status = "paid" if rng.random() < 0.85 else rng.choice(["failed", "expired"])
            if rng.random() < 0.7:
                kind, item, credits, bonus, amount = "plan", plan, plan.credits, 0, plan.price_idr
            else:
                pack = rng.choice(packs)
                kind, item, credits, bonus, amount = "pack", pack, pack.credits, pack.bonus_credits, pack.price_idr
            order_id = f"MODO-{uuid.uuid4().hex[:16]}"
            paid_at = at + timedelta(minutes=rng.uniform(1, 20)) if status == "paid" else None
            orders.append((order_id, organization_id, kind, plan.pk if kind == "plan" else None,
                           item.pk if kind == "pack" else None, item.name, amount, credits, bonus, gateway, status,
                           paid_at, at))  # fmt: skip
            if paid_at:
                grant_type = "grant" if kind == "plan" else "purchase"
                grants.append(
                    (uuid.uuid4(), organization_id, grant_type, credits + bonus, credits, bonus, "billing.order",
                     order_id, paid_at)
                )  # fmt: skip
                if kind == "plan":
                    last_period_start = paid_at
            at += timedelta(days=30 + rng.uniform(-3, 5))
        if last_period_start:
            end = last_period_start + timedelta(days=30)
            status = "active" if end > now else "expired"
            subscriptions.append((organization_id, plan.pk, status, last_period_start, end, gateway, last_period_start))
    _copy(
        conn,
        "billing_order",
        ["order_id", "organization_id", "kind", "plan_id", "pack_id", "item_name", "amount", "credits", "bonus_credits",
         "gateway", "status", "paid_at", "created_at", "updated_at", "gateway_reference", "gateway_status",
         "redirect_url", "language", "needs_review", "review_note", "purpose"],
        ((*row, row[-1], "", "", "", "en", False, "", "purchase") for row in orders),
    )  # fmt: skip
    _copy(
        conn,
        "credits_credittransaction",
        ["id", "organization_id", "type", "amount", "main_amount", "bonus_amount", "balance_after",
         "bonus_balance_after", "feature", "reference_type", "reference_id", "description", "created_at"],
        ((i, o, t, a, m, b, 0, 0, "", rt, ri, "bench", at) for i, o, t, a, m, b, rt, ri, at in grants),
    )  # fmt: skip
    _copy(
        conn,
        "billing_subscription",
        ["organization_id", "plan_id", "status", "current_period_start", "current_period_end", "gateway",
         "created_at", "updated_at", "language", "renewal_mode", "auto_renewal_gateway", "auto_renewal_reference"],
        ((*row, row[-1], "en", "manual", "", "") for row in subscriptions),
    )  # fmt: skip
    return len(orders), sum(1 for row in orders if row[11])


def load(now: datetime) -> None:
    rng = random.Random(20260101)
    started = time.perf_counter()
    organizations = make_organizations(now, rng)
    raw_url = BENCH_URL
    with psycopg.connect(raw_url) as conn:
        usage, charges, refunds = load_usage(conn, organizations, now, rng)
        orders, paid = load_orders(conn, organizations, now, rng)
        conn.commit()
    loaded = time.perf_counter() - started
    with psycopg.connect(raw_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # statistics, and the visibility map for index-only scans
    print(
        f"loaded {len(organizations):,} organizations, {usage:,} usage rows, {charges:,} ledger charges, "
        f"{refunds:,} refunds, {orders:,} orders ({paid:,} paid) in {loaded:.1f} s; "
        f"VACUUM ANALYZE {time.perf_counter() - started - loaded:.1f} s"
    )
