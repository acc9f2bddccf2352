"""Services over the store: cases, safe contact, consent, evidence requests, referrals,
erasure, API keys, webhooks and demo seeding. Shells (CLI, API, web pages) call these;
the store below them only persists."""
