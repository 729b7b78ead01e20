-- One decision at a time across servers: the second waits, then finds the rows written.
SELECT pg_advisory_xact_lock(7433006)
