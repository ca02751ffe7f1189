// Builds the page into one folder, which weftd embeds (daemon/api/embedded.cpp):
//   node web/build.mjs OUT_DIR
// esbuild bundles the page's modules and the layout worker (with the pinned
// @dagrejs/dagre) into single files; index.html names them under a version
// taken from their contents, so weftd can let browsers cache them for good.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = join(dirname(fileURLToPath(import.meta.url)), 'src');
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const common = { bundle: true, minify: true, write: false, target: 'es2022', logLevel: 'warning', legalComments: 'none' };
const built = await esbuild.build({
  ...common,
  entryPoints: { 'app': join(source, 'main.js'), 'layout-worker': join(source, 'layout-worker.js'), 'app-style': join(source, 'page.css') },
  outdir: out,
  format: 'esm',
  loader: { '.css': 'css' },
});

const hash = createHash('sha256');
const files = {};
for (const file of built.outputFiles) {
  const name = file.path.slice(out.length + 1).replace('app-style.css', 'app.css');
  files[name] = file.contents;
}
for (const name of Object.keys(files).sort()) hash.update(name).update(files[name]);
const version = hash.digest('hex').slice(0, 16);

for (const [name, contents] of Object.entries(files)) writeFileSync(join(out, name), contents);
writeFileSync(join(out, 'version'), version);
const page = readFileSync(join(source, 'index.html'), 'utf8').replaceAll('@VERSION@', version);
writeFileSync(join(out, 'index.html'), page);
