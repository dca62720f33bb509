"""The request examples of the larger iVvy actions, declared once: the registry hands them to
the OpenAPI document, which shows each on its action's operation."""

from __future__ import annotations

from pydantic.config import JsonDict

OPPORTUNITY: JsonDict = {
    "venueId": "107",
    "name": "Lead By API",
    "company": {"businessName": "Business Name", "updateIfExists": True},
    "contact": {
        "firstName": "First",
        "lastName": "Last",
        "email": "email8@email.com",
        "updateIfExists": True,
    },
    "typeId": "18",
    "sourceId": "25",
    "stageId": "69",
    "industryId": "77",
    "stageReasonId": "127",
    "closedDate": "2017-05-05",
    "customFields": [{"fieldId": 12, "fieldValue": "Buffet"}],
}
CONTACT: JsonDict = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada@example.com",
    "phone": "0455 550 000",
    "status": 1,
    "companies": [1618],
    "customFields": [{"fieldId": 33443, "value": "No"}],
    "externalId": "crm-00042",
    "externalUrls": [{"ref": "crm", "url": "https://crm.example/contacts/42", "label": "CRM"}],
    "updateIfExists": True,
}
COMPANY: JsonDict = {
    "businessName": "Business Name",
    "phone": "07 5555 0000",
    "address": {"line1": "1 Queen St", "city": "Brisbane", "stateCode": "QLD",
                "postalCode": "4000", "countryCode": "AU"},
    "primaryContact": {"firstName": "First", "lastName": "Last", "email": "first@example.com",
                       "updateIfExists": True},
    "industryId": 77,
    "isAgent": 0,
    "commissionSpace": "10",
    "customFields": [{"fieldId": 102, "value": "Gold"}],
    "updateIfExists": True,
}  # fmt: skip
NOTE: JsonDict = {"venueId": 107, "leadId": 755, "note": "<p>Called: wants a quote</p>"}
