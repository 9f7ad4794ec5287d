"""Provider adapters behind one small base class and a dict registry (aigen.registry)."""
