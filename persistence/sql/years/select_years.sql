SELECT year FROM fiscal_year ORDER BY year
