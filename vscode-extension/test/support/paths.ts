// Where the tests find the repository, the server build and the shared tiny models.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** vscode-extension/ (tests run from out/test/..., two or three levels below). */
export const extensionDir = findUp(__dirname, (dir) => fs.existsSync(path.join(dir, 'package.json')) && path.basename(dir) === 'vscode-extension');
export const repoDir = path.dirname(extensionDir);
/** The server build the tests run: $LSPCOPILOT_SERVER_DLL (another build), else the repository's Release build. */
export const serverDll =
  process.env.LSPCOPILOT_SERVER_DLL || path.join(repoDir, 'server', 'LspCopilot.Server', 'bin', 'Release', 'net10.0', 'lspcopilot.dll');
export const testOutputDir = path.join(extensionDir, 'test-output');

export const FIM_MODEL = 'stories260K-fim.gguf';

/** The models folder: $LSPCOPILOT_TEST_MODELS, else ../shared/models beside the repository. */
export function modelsDir(): string {
  return process.env.LSPCOPILOT_TEST_MODELS || path.resolve(repoDir, '..', 'shared', 'models');
}

/** The FIM test model, or a sentence saying why it is absent. */
export function findFimModel(): { path: string } | { missing: string } {
  const file = path.join(modelsDir(), FIM_MODEL);
  return fs.existsSync(file)
    ? { path: file }
    : { missing: `no test model at ${file} (set LSPCOPILOT_TEST_MODELS or put ../shared/models beside the repository)` };
}

/** Why the real server cannot run here, or undefined when it can. */
export function realServerUnavailable(): string | undefined {
  const model = findFimModel();
  if ('missing' in model) {
    return model.missing;
  }
  if (!fs.existsSync(serverDll)) {
    return `no server build at ${serverDll} (dotnet build server/LspCopilot.Server -c Release)`;
  }
  return undefined;
}

function findUp(start: string, found: (dir: string) => boolean): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (found(dir)) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`vscode-extension/ not found above ${start}`);
    }
  }
}

/** The real path of a program on PATH (ssh sessions get a shorter PATH than ours). */
export function onPath(program: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, program);
    if (dir !== '' && fs.existsSync(candidate)) {
      return fs.realpathSync(candidate);
    }
  }
  throw new Error(`${program} is not on PATH`);
}
