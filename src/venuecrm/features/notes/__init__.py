"""Opportunity notes: addOrUpdateOpportunityNote and getOpportunityNoteList."""
