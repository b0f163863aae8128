// Runs the whole test suite: the build, lint and format check, type-check, then every *.test.ts under
// packages/ with node's test runner. Prints a spec report while it runs and, as the last line, the counts.
// Skipped or todo tests count as failures: a test that does not run proves nothing.
// The build comes first, also when only some files are named: the tests load the native addon and
// import packages by name (pix2pix-ts, and tfjs-backend-onednn from pix2pix), which resolves to their
// dist/, so it must be current. It is incremental (node-gyp's make, tsc -b): seconds when little changed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

function step(title, command, args) {
  console.log(`\n== ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  return result.status === 0;
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".test.ts") && !e.parentPath.includes("node_modules"))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles(path.join(root, "packages"));
const buildOk = step("build (native addon, tsc -b)", "npm", ["run", "build", "--silent"]);
const lintOk = only.length > 0 || step("lint (biome)", "npx", ["biome", "check", "."]);
const typesOk = only.length > 0 || step("type-check (tsc)", "npx", ["tsc", "-p", "tsconfig.json"]);

console.log(`\n== tests (${files.length} files)`);
const tap = path.join(mkdtempSync(path.join(tmpdir(), "pix2pix-tests-")), "report.tap");
spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { cwd: root, stdio: "inherit", env: { ...process.env, PIX2PIX_TEST: "1" } },
);

let report = "";
try {
  report = readFileSync(tap, "utf8");
} catch {
  console.error("the test runner wrote no report");
}
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(report)?.[1] ?? Number.NaN);
const [tests, pass, fail, skipped, todo, cancelled] = [
  "tests",
  "pass",
  "fail",
  "skipped",
  "todo",
  "cancelled",
].map(count);
const ok =
  buildOk &&
  lintOk &&
  typesOk &&
  fail === 0 &&
  skipped === 0 &&
  todo === 0 &&
  cancelled === 0 &&
  pass === tests &&
  tests > 0;
const extras = [!buildOk && "build failed", !lintOk && "lint failed", !typesOk && "type-check failed"]
  .filter(Boolean)
  .join(", ");
console.log(
  `${ok ? "PASS" : "FAIL"}: ${tests} tests, ${pass} passed, ${fail} failed, ${skipped} skipped, ${todo} todo, ${cancelled} cancelled${extras ? `; ${extras}` : ""}`,
);
process.exit(ok ? 0 : 1);
