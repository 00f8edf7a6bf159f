"""The correction the workspace walk could not state (finding 3 of its review): version 1
says topical *and oral* minoxidil are FDA-approved. The editor rewrites the paragraph in
the words version 2 of the article uses (reviewed against the sources of the medical
review: the minoxidil tablets label, Gupta & Foley 2014, the 2023 oral-minoxidil review)
and the record after it: topical FDA-approved; oral off-label and on prescription, with a
caution; each claim quoting the new paragraph word for word."""

from __future__ import annotations

__all__ = ["MINOXIDIL", "NEW_P2", "OFF_LABEL", "OLD_P2_START", "RECORD", "TABLETS", "TOPICAL"]

MINOXIDIL = "alternatives/minoxidil"
OLD_P2_START = "Topical and oral minoxidil products are FDA-approved"
TOPICAL = (
    "Topical minoxidil (2 or 5 percent, liquid or foam) is approved by the US FDA, without "
    "prescription, for pattern hair loss in men and women"
)
TABLETS = (
    "Minoxidil tablets are approved only for severe high blood pressure that other "
    "medicines have not controlled, and at those doses carry the FDA’s strongest warning, "
    "about the heart"
)
PRESCRIBED = "Some doctors prescribe low-dose tablets for hair loss"
NON_RESPONDERS = "for example to people who do not respond to the topical form"
OFF_LABEL = f"{PRESCRIBED}, {NON_RESPONDERS}; this is off-label"
NEW_P2 = f"{TOPICAL}. {TABLETS}. {OFF_LABEL}."

RECORD: dict[str, str] = {
    # field of the record form -> what the editor types (or picks) there
    "kind-0-quote": "Topical minoxidil",
    "forms-0-quote": "Topical minoxidil (2 or 5 percent, liquid or foam)",
    "forms-0-qualifier": "2 or 5 percent, liquid or foam",
    "forms-1-quote": f"{PRESCRIBED}, {NON_RESPONDERS}",
    "forms-1-qualifier": "low-dose tablets",
    "forms-1-condition": "people who do not respond to the topical form",
    "regulatory-0-quote": TOPICAL,
    "audience-0-quote": "for pattern hair loss in men and women",
    "audience-1-quote": "for pattern hair loss in men and women",
    "regulatory-1-value": "off-label",
    "regulatory-1-quote": OFF_LABEL,
    "regulatory-2-value": "prescription",
    "regulatory-2-quote": PRESCRIBED,
    "cautions-0-quote": TABLETS,
}
"""Besides: regulatory status 1 is no longer for oral; statuses 2 and 3 and caution 1 are
rows the editor adds, statuses 2 and 3 for oral, all citing the paragraph."""
