// The extension's settings as one plain object, read through a getter so that tests need no VS Code.

export type ConnectionMode = 'local' | 'tcp' | 'ssh' | 'sshWorker';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SUGGESTION_MODES = ['auto', 'singleLine', 'multiLine'] as const;
export type SuggestionMode = (typeof SUGGESTION_MODES)[number];

export interface Settings {
  readonly enable: boolean;
  /** Language ids that get completions; '*' is every language (less `excludeLanguages`). */
  readonly languages: readonly string[];
  /** Language ids that never get completions, even under '*'. */
  readonly excludeLanguages: readonly string[];
  /** Glob patterns of files never sent to the server (secrets such as .env). */
  readonly excludeFiles: readonly string[];
  readonly suggestions: {
    /** Suggestions per request, 1-3: the others are sampled after the first, for next/previous suggestion. */
    readonly count: number;
    readonly mode: SuggestionMode;
    /** The most the extension waits for a pause in typing while the engine is slower than the typing; 0: never. */
    readonly maxDebounceMs: number;
  };
  readonly mode: ConnectionMode;
  readonly server: {
    /** lspcopilot.dll, or an executable; empty means the build bundled with the extension. */
    readonly path: string;
    readonly dotnetPath: string;
    readonly logLevel: LogLevel;
    readonly extraArgs: readonly string[];
  };
  /** Path of the GGUF model on the machine that runs the server. */
  readonly modelPath: string;
  /** A second GGUF for code actions (explain, refactor), on the same machine; empty: the completion model. */
  readonly chatModelPath: string;
  readonly threads: number | undefined;
  readonly contextSize: number | undefined;
  readonly maxTokens: number | undefined;
  readonly temperature: number | undefined;
  readonly tcp: { readonly host: string; readonly port: number; readonly authToken: string };
  readonly ssh: {
    readonly path: string;
    readonly target: string;
    readonly remoteCommand: string;
    readonly options: readonly string[];
  };
  /** A model server the language server uses instead of loading a GGUF (`--backend` and friends); kind '' = llamasharp. */
  readonly backend: {
    readonly kind: '' | 'llama-server' | 'openai' | 'ollama';
    readonly endpoint: string;
    readonly remoteModel: string;
    readonly fimTemplate: string;
  };
}

export const BACKEND_KINDS = ['llama-server', 'openai', 'ollama'] as const;

/** Reads one setting below `lspcopilot.`; returns undefined when unset. */
export type SettingGetter = (key: string) => unknown;

export const DEFAULT_LANGUAGES: readonly string[] = ['*'];
export const DEFAULT_EXCLUDED_LANGUAGES: readonly string[] = ['plaintext', 'markdown', 'dotenv', 'properties', 'ini', 'log'];
export const DEFAULT_EXCLUDED_FILES: readonly string[] = [
  '**/.env',
  '**/.env.*',
  '**/*.env',
  '**/.netrc',
  '**/.npmrc',
  '**/.pypirc',
  '**/*.pem',
  '**/*.key',
  '**/*.p12',
  '**/*.pfx',
  '**/id_rsa*',
  '**/id_ed25519*',
  '**/secrets.*',
  '**/*secret*.json',
  '**/credentials*',
];
export const DEFAULT_MAX_DEBOUNCE_MS = 300;

export function parseSettings(get: SettingGetter, env: NodeJS.ProcessEnv = {}): Settings {
  const mode = str(get('connection.mode'), 'local');
  const logLevel = str(get('server.logLevel'), 'info');
  return {
    enable: get('enable') !== false,
    languages: nonEmpty(strings(get('languages'), DEFAULT_LANGUAGES), DEFAULT_LANGUAGES),
    excludeLanguages: strings(get('excludeLanguages'), DEFAULT_EXCLUDED_LANGUAGES),
    excludeFiles: strings(get('excludeFiles'), DEFAULT_EXCLUDED_FILES),
    suggestions: {
      count: intIn(get('suggestions.count'), 1, 3) ?? 1,
      mode: suggestionMode(get('suggestions.mode')),
      maxDebounceMs: intIn(get('suggestions.maxDebounceMs'), 0, 1000) ?? DEFAULT_MAX_DEBOUNCE_MS,
    },
    mode: mode === 'tcp' || mode === 'ssh' || mode === 'sshWorker' ? mode : 'local',
    server: {
      path: str(get('server.path'), ''),
      dotnetPath: str(get('server.dotnetPath'), 'dotnet'),
      logLevel: (LOG_LEVELS as readonly string[]).includes(logLevel) ? (logLevel as LogLevel) : 'info',
      extraArgs: strings(get('server.extraArgs'), []),
    },
    modelPath: str(get('model.path'), ''),
    chatModelPath: str(get('model.chatPath'), ''),
    threads: positiveInt(get('engine.threads')),
    contextSize: positiveInt(get('engine.contextSize')),
    maxTokens: positiveInt(get('completion.maxTokens')),
    temperature: nonNegative(get('completion.temperature')),
    tcp: {
      host: str(get('tcp.host'), '127.0.0.1'),
      port: positiveInt(get('tcp.port')) ?? 0,
      // A token in the environment keeps it out of settings files that get shared.
      authToken: str(get('tcp.authToken'), '') || (env.LSPCOPILOT_TOKEN ?? ''),
    },
    ssh: {
      path: str(get('ssh.path'), 'ssh'),
      target: str(get('ssh.target'), ''),
      remoteCommand: str(get('ssh.remoteCommand'), 'lspcopilot'),
      options: strings(get('ssh.options'), []),
    },
    backend: {
      kind: backendKind(str(get('backend.kind'), '')),
      endpoint: str(get('backend.endpoint'), ''),
      remoteModel: str(get('backend.remoteModel'), ''),
      fimTemplate: str(get('backend.fimTemplate'), ''),
    },
  };
}

function suggestionMode(value: unknown): SuggestionMode {
  return (SUGGESTION_MODES as readonly unknown[]).includes(value) ? (value as SuggestionMode) : 'auto';
}

function intIn(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

function backendKind(value: string): '' | 'llama-server' | 'openai' | 'ollama' {
  return (BACKEND_KINDS as readonly string[]).includes(value) ? (value as 'llama-server' | 'openai' | 'ollama') : '';
}

/** Settings whose change needs a new server process (everything but enable). */
export const RESTART_SECTIONS = [
  'languages',
  'excludeLanguages',
  'excludeFiles',
  'suggestions',
  'connection',
  'server',
  'model',
  'engine',
  'completion',
  'tcp',
  'ssh',
  'backend',
] as const;

function str(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

function strings(value: unknown, fallback: readonly string[]): readonly string[] {
  if (!Array.isArray(value)) {
    return fallback;
  }
  return value.filter((v): v is string => typeof v === 'string' && v !== '');
}

function nonEmpty(value: readonly string[], fallback: readonly string[]): readonly string[] {
  return value.length > 0 ? value : fallback;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function nonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
