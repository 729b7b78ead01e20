SELECT code, name, kind, CAST(aliases AS text) FROM department ORDER BY id
