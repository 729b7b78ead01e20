-- One snapshot for the whole verification: events, heads and sheet rows as of one moment,
-- whatever writers commit meanwhile. Read only: verify never writes.
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY
