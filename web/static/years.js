// GET /api/v1/years, and the year a page shows when none is asked for.
import { get } from './api.js';

export async function loadYears() {
  const years = await get('/years');
  return Array.isArray(years) ? years : years.items || years.years || [];
}

// The newest open year, else the newest year.
export function defaultYear(years) {
  const open = years.filter((y) => y.state === 'open').map((y) => y.year);
  const all = years.map((y) => y.year);
  return open.length ? Math.max(...open) : all.length ? Math.max(...all) : new Date().getFullYear();
}
