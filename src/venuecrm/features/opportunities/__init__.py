"""Opportunities: addOrUpdateOpportunity, getOpportunityList and the unified view of them."""
