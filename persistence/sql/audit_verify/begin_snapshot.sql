-- One snapshot for the whole verification: events, heads and sheet rows as of one moment,
-- whatever writers commit meanwhile. Read only: verify never writes. The stream's cursor is read
-- to its end, so it is planned for all its rows, not for a fast first batch (declare_stream.sql).
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SET LOCAL cursor_tuple_fraction = 1.0
