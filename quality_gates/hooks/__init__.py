from quality_gates.hooks.store import QualityStoreHook

__all__ = ["QualityStoreHook"]
