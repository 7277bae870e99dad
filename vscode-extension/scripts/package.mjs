// Packages the extension as a .vsix with @vscode/vsce.
//   node scripts/package.mjs          → lspcopilot-<version>.vsix with the server build in server/
//   node scripts/package.mjs --thin   → out/lspcopilot-<version>-noserver.vsix (for tests that
//                                       point lspcopilot.server.path at the repository's build)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const extDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(extDir, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8'));
const thin = process.argv.includes('--thin');
const vsce = path.join(extDir, 'node_modules', '@vscode', 'vsce', 'vsce');

if (!fs.existsSync(path.join(extDir, 'dist', 'extension.js'))) {
  console.error('dist/extension.js is missing: run "npm run build" first.');
  process.exit(1);
}

let out;
let ignoreFile = path.join(extDir, '.vscodeignore');
if (thin) {
  fs.mkdirSync(path.join(extDir, 'out'), { recursive: true });
  out = path.join(extDir, 'out', `${pkg.name}-${pkg.version}-noserver.vsix`);
  ignoreFile = path.join(extDir, 'out', '.vscodeignore-noserver');
  fs.writeFileSync(ignoreFile, fs.readFileSync(path.join(extDir, '.vscodeignore'), 'utf8').replace(/^!server\/\*\*\n?/m, ''));
} else {
  const build = path.join(repoDir, 'server', 'LspCopilot.Server', 'bin', 'Release', 'net10.0');
  console.log('building the server (Release)…');
  execFileSync('dotnet', ['build', path.join(repoDir, 'server', 'LspCopilot.Server'), '-c', 'Release', '-nologo', '-v', 'quiet'], { stdio: 'inherit' });
  const bundled = path.join(extDir, 'server');
  fs.rmSync(bundled, { recursive: true, force: true });
  fs.cpSync(build, bundled, { recursive: true, filter: (src) => !src.endsWith('.pdb') });
  out = path.join(extDir, `${pkg.name}-${pkg.version}.vsix`);
}

execFileSync(
  process.execPath,
  [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--ignoreFile', ignoreFile, '--out', out],
  { cwd: extDir, stdio: ['ignore', 'inherit', 'inherit'] },
);
console.log(`packaged ${path.relative(process.cwd(), out)}`);
