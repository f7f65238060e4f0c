"""Customer accounts: one owner at a time with its history, referral chains, contacts."""
