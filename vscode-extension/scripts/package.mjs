// Packages the extension as a .vsix with @vscode/vsce, with the server build in server/ (the
// `local` mode runs it when lspcopilot.server.path is empty).
//
//   node scripts/package.mjs                     → lspcopilot-<version>.vsix, native libraries for every platform
//   node scripts/package.mjs --target linux-x64  → lspcopilot-linux-x64-<version>.vsix, only that platform's
//   options: --out FILE    where to write the .vsix
//            --no-build    use the server build as it is (the e2e setup has just checked it)
//   $LSPCOPILOT_SERVER_DLL bundles that build instead of the repository's Release build
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const extDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.resolve(extDir, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8'));
const argument = (name) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const target = argument('--target');
// VS Code's platform targets and the .NET runtime folders that hold each one's native libraries.
const RUNTIMES = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'alpine-x64': 'linux-musl-x64',
  'darwin-x64': 'osx-x64',
  'darwin-arm64': 'osx-arm64',
  'win32-x64': 'win-x64',
  'win32-arm64': 'win-arm64',
};
if (target !== undefined && !(target in RUNTIMES)) {
  console.error(`--target must be one of ${Object.keys(RUNTIMES).join(', ')}.`);
  process.exit(2);
}
if (!fs.existsSync(path.join(extDir, 'dist', 'extension.js'))) {
  console.error('dist/extension.js is missing: run "npm run build" first.');
  process.exit(1);
}

let build = path.join(repoDir, 'server', 'LspCopilot.Server', 'bin', 'Release', 'net10.0');
if (process.env.LSPCOPILOT_SERVER_DLL) {
  build = path.dirname(process.env.LSPCOPILOT_SERVER_DLL);
} else if (!process.argv.includes('--no-build')) {
  console.log('building the server (Release)…');
  execFileSync('dotnet', ['build', path.join(repoDir, 'server', 'LspCopilot.Server'), '-c', 'Release', '-nologo', '-v', 'quiet'], { stdio: 'inherit' });
}
if (!fs.existsSync(path.join(build, 'lspcopilot.dll'))) {
  console.error(`No server build in ${build}: dotnet build server/LspCopilot.Server -c Release`);
  process.exit(1);
}

const bundled = path.join(extDir, 'server');
fs.rmSync(bundled, { recursive: true, force: true });
const runtimes = path.join(build, 'runtimes');
fs.cpSync(build, bundled, {
  recursive: true,
  filter: (src) => {
    if (src.endsWith('.pdb')) {
      return false;
    }
    // With a target, only its runtime folder: the others hold native libraries for other platforms.
    const relative = path.relative(runtimes, src);
    return target === undefined || relative === '' || relative.startsWith('..') || relative.split(path.sep)[0] === RUNTIMES[target];
  },
});

const out = path.resolve(argument('--out') ?? path.join(extDir, target ? `${pkg.name}-${target}-${pkg.version}.vsix` : `${pkg.name}-${pkg.version}.vsix`));
fs.mkdirSync(path.dirname(out), { recursive: true });
execFileSync(
  process.execPath,
  [
    path.join(extDir, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--no-dependencies',
    '--skip-license',
    '--allow-missing-repository',
    '--out',
    out,
    ...(target ? ['--target', target] : []),
  ],
  { cwd: extDir, stdio: ['ignore', process.argv.includes('--quiet') ? 'ignore' : 'inherit', 'inherit'] },
);
console.log(`packaged ${path.relative(process.cwd(), out)}`);
