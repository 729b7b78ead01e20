INSERT INTO department (code, name, kind, aliases)
VALUES (:code, :name, :kind, CAST(:aliases AS text[]))
ON CONFLICT (code) DO UPDATE
   SET name = EXCLUDED.name, kind = EXCLUDED.kind, aliases = EXCLUDED.aliases, updated_at = now()
 WHERE (department.name, department.kind, department.aliases)
       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.aliases)
RETURNING id, CAST(xmax = 0 AS integer)
