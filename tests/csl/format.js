// Test helper: format CSL-JSON items (stdin, a JSON array) with citeproc-js and a CSL style.
// Prints {"<id>": {"text": "...", "html": "..."}} with each item's bibliography entry on its own
// (its number stripped), so tests/test_citations_csl.py can compare them one by one.
// Usage: node format.js STYLE.csl LOCALE.xml < items.json
"use strict";
const fs = require("fs");
const path = require("path");
const CSL = require(path.join(__dirname, "node_modules", "citeproc"));

const [stylePath, localePath] = process.argv.slice(2);
const items = JSON.parse(fs.readFileSync(0, "utf8"));
const byId = Object.fromEntries(items.map((item) => [item.id, item]));
const sys = {
  retrieveLocale: () => fs.readFileSync(localePath, "utf8"),
  retrieveItem: (id) => byId[id],
};
const style = fs.readFileSync(stylePath, "utf8");

function entry(id, format) {
  const engine = new CSL.Engine(sys, style, "en-US");
  engine.setOutputFormat(format);
  engine.updateItems([id]);
  const [, entries] = engine.makeBibliography();
  return entries[0];
}

const out = {};
for (const item of items) {
  out[item.id] = { text: entry(item.id, "text").trim().replace(/^\d+\.\s*/, ""), html: entry(item.id, "html") };
}
process.stdout.write(JSON.stringify(out));
