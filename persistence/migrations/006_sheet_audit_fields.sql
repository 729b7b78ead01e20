-- How the audit trail records a sheet's fields: the one definition that every creation event
-- (import, year open, sheet add) and `audit verify`'s replay of a sheet row share, so that the
-- history and the row can never be spelled two ways.
CREATE FUNCTION sheet_audit_fields(p_fiscal_year integer, p_sheet_no integer, p_measure_id integer,
                                   p_department_order integer[], p_grade text, p_actions text,
                                   p_results text, p_next_steps text, p_state text, p_version integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
           'fiscal_year', p_fiscal_year,
           'sheet_no', p_sheet_no,
           'measure', (SELECT key FROM measure WHERE id = p_measure_id),
           'departments', (SELECT coalesce(jsonb_agg(d.name ORDER BY o.ord), '[]'::jsonb)
                             FROM unnest(p_department_order) WITH ORDINALITY AS o(id, ord)
                             JOIN department d ON d.id = o.id),
           'grade', p_grade,
           'actions', p_actions,
           'results', p_results,
           'next_steps', p_next_steps,
           'state', p_state,
           'version', p_version)
$$;

-- The changes of a creation: every field from null to its value.
CREATE FUNCTION audit_created(fields jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(key, jsonb_build_object('before', NULL, 'after', value)), '{}'::jsonb)
    FROM jsonb_each(fields)
$$;

-- Loading the plan reads each measure's sheet numbers; without this index that is a scan of
-- every sheet number per measure (quadratic: 6.5 s for a 10,000-sheet plan, bench/README.md).
CREATE INDEX measure_sheet_no_measure_idx ON measure_sheet_no (measure_id);
