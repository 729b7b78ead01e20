-- Long texts are compressed with lz4 rather than PostgreSQL's default pglz: 74% of a bulk
-- import's creation events (about 1.8 kB of jsonb each) and many sheet rows cross the 2 kB
-- threshold where PostgreSQL compresses, and pglz cost 1.7 s of a 10,000-sheet import
-- (bench/README.md); lz4 compresses and decompresses several times faster (verify reads every
-- event). Only values written from now on are affected; stored values stay as they are, and
-- both read the same. Skipped on a server built without lz4.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE audit_event ALTER COLUMN changes SET COMPRESSION lz4;
    ALTER TABLE sheet ALTER COLUMN actions SET COMPRESSION lz4,
                      ALTER COLUMN results SET COMPRESSION lz4,
                      ALTER COLUMN next_steps SET COMPRESSION lz4;
  END IF;
END $$;
