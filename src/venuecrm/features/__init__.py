"""Business rules, one package per capability: schemas, rules, service and queries."""
