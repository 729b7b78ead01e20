INSERT INTO audit_event (actor, entity_type, entity_id, action, changes, comment, request_id)
SELECT :actor, 'fiscal_year', CAST(:year AS text), 'import',
       jsonb_build_object(
         'state', jsonb_build_object('before', NULL, 'after', 'closed'),
         'import', jsonb_build_object('before', NULL, 'after', jsonb_build_object(
            'id', i.id, 'file_name', i.file_name, 'file_sha256', i.file_sha256, 'sheets', i.sheets,
            'grades', i.grade_counts, 'skipped_lines', i.skipped_lines, 'warnings', i.warnings))),
       NULL, :request_id
  FROM table_import i WHERE i.id = :import_id
