// What the status bar item says for each state of the server. Pure, so it is unit-tested.

import { ConnectionMode } from './settings';

export type ServerState = 'idle' | 'starting' | 'loading' | 'ready' | 'error' | 'disabled';

export interface StatusInfo {
  readonly state: ServerState;
  readonly mode: ConnectionMode;
  /** Where the server runs, e.g. "ssh: gpu-box". */
  readonly where?: string;
  readonly modelName?: string;
  readonly lastLatencyMs?: number;
  /** Why it is in error, or when it restarts. */
  readonly detail?: string;
}

const ICONS: Record<ServerState, string> = {
  idle: '$(circle-outline)',
  starting: '$(sync~spin)',
  loading: '$(sync~spin)',
  ready: '$(sparkle)',
  error: '$(error)',
  disabled: '$(circle-slash)',
};

const WORDS: Record<ServerState, string> = {
  idle: 'idle',
  starting: 'starting',
  loading: 'loading model',
  ready: 'ready',
  error: 'error',
  disabled: 'disabled',
};

export function statusText(info: StatusInfo): { text: string; tooltip: string } {
  const parts = [`LspCopilot: ${WORDS[info.state]}`];
  if (info.mode !== 'local' && info.state !== 'disabled') {
    parts.push(info.mode);
  }
  if (info.state === 'ready' || info.state === 'loading') {
    if (info.modelName) {
      parts.push(info.modelName);
    }
  }
  if (info.state === 'ready' && info.lastLatencyMs !== undefined) {
    parts.push(`${Math.round(info.lastLatencyMs)} ms`);
  }
  const tooltip = [
    `LspCopilot ${WORDS[info.state]}`,
    info.where ? `Server: ${info.where}` : undefined,
    info.modelName ? `Model: ${info.modelName}` : undefined,
    info.lastLatencyMs !== undefined ? `Last completion: ${Math.round(info.lastLatencyMs)} ms` : undefined,
    info.detail,
    'Click for options.',
  ]
    .filter((line): line is string => line !== undefined && line !== '')
    .join('\n');
  return { text: `${ICONS[info.state]} ${parts.join(' · ')}`, tooltip };
}

/** A short model name from a path: the file name without `.gguf`. */
export function modelNameFromPath(modelPath: string): string | undefined {
  const file = modelPath.split(/[\\/]/).pop() ?? '';
  const name = file.replace(/\.gguf$/i, '');
  return name === '' ? undefined : name;
}
