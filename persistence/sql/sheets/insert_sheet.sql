-- A sheet added by a coordinator during an open year. The departments come as a tab-joined list
-- of names; the number is the next free one of the year unless given.
WITH m AS (
  SELECT mm.id, mm.plan_id, mm.key FROM measure mm JOIN plan p ON p.id = mm.plan_id AND p.code = :plan_code
   WHERE mm.key = :measure_key
), o AS (
  SELECT array_agg(d.id ORDER BY n.ord) AS ids
    FROM unnest(string_to_array(:departments, E'\t')) WITH ORDINALITY AS n(name, ord)
    JOIN department d ON d.name = n.name
), inserted AS (
  INSERT INTO sheet (plan_id, measure_id, fiscal_year, sheet_no, department_ids, department_order, state)
  SELECT m.plan_id, m.id, CAST(:year AS integer),
         CASE WHEN CAST(:sheet_no AS integer) > 0 THEN CAST(:sheet_no AS integer)
              ELSE (SELECT coalesce(max(sheet_no), 0) + 1 FROM sheet WHERE fiscal_year = CAST(:year AS integer)) END,
         sorted_set_of(o.ids), o.ids, :state
    FROM m, o
  RETURNING id, sheet_no, version
)
SELECT id, sheet_no, version FROM inserted
