"""Roundtable: moderated, threaded consultation spaces and cited note drafts."""
