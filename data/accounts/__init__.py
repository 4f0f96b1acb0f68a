"""Who may do what: roles and permissions, accounts, sessions and the audit trail;
uses data.store."""
