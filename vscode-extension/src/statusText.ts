// What the status bar item says for each state of the server, and what the server's
// lspcopilot/status notification changes in it. Pure, so it is unit-tested.

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
  /** Today's acceptance statistics, from the server's lspcopilot/stats. */
  readonly today?: TodayStats;
}

/** Today's suggestions as the tooltip shows them. */
export interface TodayStats {
  readonly suggestions: number;
  readonly shown: number;
  readonly accepted: number;
  /** 0..1, undefined when nothing was shown or the editor reports no events. */
  readonly rate?: number;
  readonly p50Ms?: number;
  /** The server has suggestions from this editor but never heard whether one was accepted. */
  readonly noData: boolean;
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

/**
 * The text and tooltip of the status bar item. `activity` (e.g. "explaining…") is a code action the
 * user is waiting for: it replaces the state word and spins while it runs.
 */
export function statusText(info: StatusInfo, activity?: string): { text: string; tooltip: string } {
  const parts = [`LspCopilot: ${activity ?? WORDS[info.state]}`];
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
    activity !== undefined ? `Now ${activity}` : undefined,
    info.where ? `Server: ${info.where}` : undefined,
    info.modelName ? `Model: ${info.modelName}` : undefined,
    info.lastLatencyMs !== undefined ? `Last completion: ${Math.round(info.lastLatencyMs)} ms` : undefined,
    info.today !== undefined ? todayLine(info.today) : undefined,
    info.detail,
    'Click for options.',
  ]
    .filter((line): line is string => line !== undefined && line !== '')
    .join('\n');
  return { text: `${activity !== undefined ? '$(sync~spin)' : ICONS[info.state]} ${parts.join(' · ')}`, tooltip };
}

/** A short model name from a path: the file name without `.gguf`. */
export function modelNameFromPath(modelPath: string): string | undefined {
  const file = modelPath.split(/[\\/]/).pop() ?? '';
  const name = file.replace(/\.gguf$/i, '');
  return name === '' ? undefined : name;
}

/** The method of the server's status notification. */
export const SERVER_STATUS_NOTIFICATION = 'lspcopilot/status';

/** The params of `lspcopilot/status`: the model's state, sent by the server when it changes. */
export interface ServerStatusParams {
  readonly state: string;
  /** The model's file name, once known. */
  readonly model?: string | null;
  /** Why the model is unavailable or crashed, and what to do. */
  readonly message?: string | null;
}

/**
 * What a `lspcopilot/status` notification changes in the status bar, or undefined for a state
 * this extension does not know (a newer server). The server is the one source of truth for
 * loading / ready / unavailable / crashed; a model name it does not send keeps the current one.
 */
export function statusFromServer(params: ServerStatusParams): Partial<StatusInfo> | undefined {
  const model = typeof params.model === 'string' ? modelNameFromPath(params.model) : undefined;
  const withModel = model !== undefined ? { modelName: model } : {};
  const message = typeof params.message === 'string' && params.message.trim() !== '' ? params.message : undefined;
  switch (params.state) {
    case 'loading':
      return { state: 'loading', ...withModel, detail: undefined };
    case 'ready':
      return { state: 'ready', ...withModel, detail: undefined };
    case 'unavailable':
      return { state: 'error', ...withModel, detail: message ?? 'The model could not be loaded.' };
    case 'crashed':
      return { state: 'error', ...withModel, detail: message ?? 'The model crashed; it restarts with the next completion.' };
    default:
      return undefined;
  }
}

/** The tooltip's line for today's statistics: acceptance rate and median latency, or why there is none. */
export function todayLine(today: TodayStats): string {
  if (today.suggestions === 0) {
    return 'Today: no suggestions yet';
  }
  const p50 = today.p50Ms !== undefined ? ` · p50 ${Math.round(today.p50Ms)} ms` : '';
  if (today.noData) {
    return `Today: ${today.suggestions} suggestion(s), acceptance: no data from this editor${p50}`;
  }
  const rate = today.rate !== undefined ? `${Math.round(today.rate * 1000) / 10}% accepted (${today.accepted} of ${today.shown})` : 'none shown';
  return `Today: ${rate}${p50}`;
}

/** The method of the server's statistics request. */
export const STATS_REQUEST = 'lspcopilot/stats';

/** One row of lspcopilot/stats' answer. */
export interface StatsRowResult {
  readonly name?: string;
  readonly served?: number;
  readonly shown?: number;
  readonly accepted?: number;
  readonly partiallyAccepted?: number;
  readonly acceptanceRate?: number | null;
  readonly note?: string | null;
  readonly p50Ms?: number | null;
}

/** The answer to lspcopilot/stats: every editor's suggestions in the period and this editor's. */
export interface StatsResult {
  readonly suggestions?: number;
  readonly total?: StatsRowResult;
  readonly editor?: StatsRowResult | null;
}

/** Today's figures for the tooltip from lspcopilot/stats: this editor's row, else every editor's. */
export function todayFromStats(result: StatsResult | null | undefined): TodayStats | undefined {
  const row = result?.editor ?? result?.total;
  if (result === null || result === undefined || row === undefined || row === null) {
    return undefined;
  }
  const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  return {
    suggestions: number(row.served) ?? number(result.suggestions) ?? 0,
    shown: number(row.shown) ?? 0,
    accepted: (number(row.accepted) ?? 0) + (number(row.partiallyAccepted) ?? 0),
    rate: number(row.acceptanceRate),
    p50Ms: number(row.p50Ms),
    noData: typeof row.note === 'string' && row.note !== '',
  };
}
