"""DESIGN section 3's plans and credit packs. Reversible: unapplying deletes the seeded rows
that no order or subscription points at."""

from django.db import migrations

PLANS = [
    # code, name, price IDR / period, credits per period, AI requests per user per day, days, paid, order
    ("trial", "Trial", 0, 20, 2, 7, False, 0),
    ("premium", "Premium", 99_000, 300, 100, 30, True, 1),
    ("pro", "Pro", 249_000, 1_000, 500, 30, True, 2),
    ("unlimited", "Unlimited", 799_000, 5_000, 2_000, 30, True, 3),
]
PACKS = [
    # code, name, price IDR, credits, bonus credits, order
    ("credits-100", "100 credits", 49_000, 100, 0, 1),
    ("credits-500", "500 credits + 50 bonus", 199_000, 500, 50, 2),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    CreditPack = apps.get_model("billing", "CreditPack")
    for code, name, price, credits, daily, days, paid, order in PLANS:
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "price_idr": price,
                "credits": credits,
                "daily_limit": daily,
                "period_days": days,
                "is_paid": paid,
                "is_active": True,
                "sort_order": order,
            },
        )
    for code, name, price, credits, bonus, order in PACKS:
        CreditPack.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "price_idr": price,
                "credits": credits,
                "bonus_credits": bonus,
                "is_active": True,
                "sort_order": order,
            },
        )


def unseed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    CreditPack = apps.get_model("billing", "CreditPack")
    Order = apps.get_model("billing", "Order")
    Subscription = apps.get_model("billing", "Subscription")
    alias = schema_editor.connection.alias
    # Rows something points at stay; the rest go without the ORM's cascade collector (which
    # trips over historical models here). The foreign keys are PROTECT either way.
    plans = (
        Plan.objects.filter(code__in=[p[0] for p in PLANS])
        .exclude(pk__in=Order.objects.filter(plan__isnull=False).values("plan_id"))
        .exclude(pk__in=Subscription.objects.values("plan_id"))
    )
    plans._raw_delete(alias)
    packs = CreditPack.objects.filter(code__in=[p[0] for p in PACKS]).exclude(
        pk__in=Order.objects.filter(pack__isnull=False).values("pack_id")
    )
    packs._raw_delete(alias)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
