INSERT INTO table_import (fiscal_year, actor, file_name, file_sha256, sheets, grade_counts, skipped_lines, warnings)
VALUES (:year, :actor, :file_name, :file_sha256, :sheets, CAST(:grade_counts AS jsonb), :skipped_lines, :warnings)
RETURNING id
