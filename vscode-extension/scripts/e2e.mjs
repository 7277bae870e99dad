// npm run test:e2e: installs what is missing (scripts/setup-e2e.sh), builds and packages the
// extension, then runs the transport tests against the real server and the end-to-end tests in
// code-server + headless Chromium. Skips (exit 0) when the shared test models are absent.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const started = Date.now();
const extDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = path.dirname(extDir);
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

const models = process.env.LSPCOPILOT_TEST_MODELS || path.resolve(repoDir, '..', 'shared', 'models');
const model = path.join(models, 'stories260K-fim.gguf');
if (!fs.existsSync(model)) {
  console.log(`e2e: skipped: no test model at ${model}.`);
  console.log('e2e: put ../shared/models beside the repository or set LSPCOPILOT_TEST_MODELS to run the end-to-end tests.');
  console.log('0 passed, 0 failed, 1 skipped');
  process.exit(0);
}

const run = (what, command, args, options = {}) => {
  console.log(`e2e: ${what}`);
  const result = spawnSync(command, args, { cwd: extDir, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    console.log(`e2e: ${what} failed (exit ${result.status ?? result.signal}).`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  return result;
};

console.log('e2e: setting up (Debian packages, code-server, npm packages, server build)');
let codeServer;
try {
  codeServer = execFileSync('bash', [path.join(extDir, 'scripts', 'setup-e2e.sh')], { cwd: extDir, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
} catch (error) {
  console.log(`e2e: setup failed (${error.status ?? error.message}).`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
run('building the extension', npm, ['run', '--silent', 'build']);
run('compiling the tests', npm, ['run', '--silent', 'compile-tests']);
const target = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
run('packaging the extension with the server build', process.execPath, [
  path.join('scripts', 'package.mjs'),
  '--target',
  target,
  '--out',
  path.join('out', 'lspcopilot-e2e.vsix'),
  '--no-build',
  '--quiet',
]);
console.log(`e2e: ready to test after ${seconds()}`);

const tests = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=1',
    // A bound on each file's suite, not a speed target: the VS Code suite runs a dozen real-model tests in series.
    '--test-timeout=600000',
    // LSPCOPILOT_E2E_ONLY=explain runs only the tests whose names match (node --test-name-pattern).
    ...(process.env.LSPCOPILOT_E2E_ONLY ? [`--test-name-pattern=${process.env.LSPCOPILOT_E2E_ONLY}`] : []),
    'out/test/integration/',
    'out/test/e2e/',
  ],
  {
    cwd: extDir,
    stdio: 'inherit',
    env: { ...process.env, LSPCOPILOT_TEST_MODELS: models, LSPCOPILOT_CODE_SERVER: codeServer },
  },
);
console.log(`e2e: finished in ${seconds()}; screenshots and logs in ${path.relative(process.cwd(), path.join(extDir, 'test-output', 'e2e')) || '.'}`);
process.exit(tests.status ?? 1);
