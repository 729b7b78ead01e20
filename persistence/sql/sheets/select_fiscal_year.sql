SELECT y.state, p.code FROM fiscal_year y JOIN plan p ON p.id = y.plan_id WHERE y.year = :year
