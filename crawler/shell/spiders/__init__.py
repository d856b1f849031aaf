"""newsarchive's spiders (thin shells: discovery and fetching; all parsing lives in pure modules)."""
