// Dumps the @holiday-jp/holiday_jp dataset installed here by `npm ci` (package.json,
// package-lock.json) as JSON for the comparison test (holiday_jp_dataset_test.cpp):
//   node dump-holidays.js OUT.json
// {"package": "@holiday-jp/holiday_jp", "version": "2.5.1", "holidays": {"YYYY-MM-DD": "name", ...}}
// The package ships its data as JavaScript only (lib/holidays.js, 1970-2050).
// Not installed: removes OUT.json, says so and exits 0 -- the test then fails in CI and skips
// elsewhere. Installed but not the pinned version, or unreadable: exits 1.
'use strict';
const fs = require('fs');
const path = require('path');

const out = process.argv[2];
if (!out) {
  console.error('usage: node dump-holidays.js OUT.json');
  process.exit(2);
}
fs.rmSync(out, { force: true });

const name = '@holiday-jp/holiday_jp';
const pinned = require('./package.json').devDependencies[name];
let meta;
try {
  meta = require(`${name}/package.json`);
} catch (e) {
  if (e.code !== 'MODULE_NOT_FOUND') throw e;
  console.log(`dump-holidays: ${name} is not installed in ${__dirname} (run npm ci there); no dump written`);
  process.exit(0);
}
if (meta.version !== pinned) {
  console.error(`dump-holidays: ${name} ${meta.version} is installed, package.json pins ${pinned}: run npm ci`);
  process.exit(1);
}

const data = require(`${name}/lib/holidays.js`);
const holidays = {};
for (const [date, day] of Object.entries(data)) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || day.date !== date || typeof day.name !== 'string') {
    console.error(`dump-holidays: unexpected entry ${JSON.stringify(date)}: ${JSON.stringify(day)}`);
    process.exit(1);
  }
  holidays[date] = day.name;
}
const tmp = `${out}.tmp`;
fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
fs.writeFileSync(tmp, JSON.stringify({ package: name, version: meta.version, holidays }, null, 1) + '\n');
fs.renameSync(tmp, out);
console.log(`dump-holidays: ${Object.keys(holidays).length} holidays of ${name} ${meta.version} -> ${out}`);
