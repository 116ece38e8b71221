"""Call analytics: customer emotion, script-compliance rule engine, call metrics."""
