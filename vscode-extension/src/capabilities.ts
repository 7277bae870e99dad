// Which code-action commands the server makes possible, read from its initialize result, and the
// VS Code context keys that show or hide them. Pure, so it is unit-tested.

/** The server's explain command (the Explain code action runs it; vscode-languageclient registers it). */
export const SERVER_EXPLAIN_COMMAND = 'lspcopilot.server.explain';
/** The kind of the server's refactor actions. */
export const REFACTOR_KIND = 'refactor.rewrite.lspcopilot';

export const CONTEXT_KEYS = {
  canExplain: 'lspcopilot.canExplain',
  canRefactor: 'lspcopilot.canRefactor',
} as const;

/** The part of ServerCapabilities this reads (any server may send anything). */
export interface CapabilitiesLike {
  readonly codeActionProvider?: unknown;
  readonly executeCommandProvider?: unknown;
}

export interface CodeActionFeatures {
  /** lspcopilot/explain and the panel: the server lists lspcopilot.server.explain as a command. */
  readonly canExplain: boolean;
  /** Refactor with instructions: code actions that can be resolved, of our refactor kind. */
  readonly canRefactor: boolean;
}

export const NO_FEATURES: CodeActionFeatures = { canExplain: false, canRefactor: false };

export function featuresFromCapabilities(capabilities: CapabilitiesLike | undefined | null): CodeActionFeatures {
  if (capabilities === undefined || capabilities === null) {
    return NO_FEATURES;
  }
  const commandsProvider = capabilities.executeCommandProvider as { commands?: unknown } | undefined | null;
  const commands = Array.isArray(commandsProvider?.commands) ? (commandsProvider.commands as unknown[]) : [];
  const canExplain = commands.includes(SERVER_EXPLAIN_COMMAND);

  const provider = capabilities.codeActionProvider;
  let canRefactor = false;
  if (typeof provider === 'object' && provider !== null) {
    const options = provider as { codeActionKinds?: unknown; resolveProvider?: unknown };
    // The edit is computed in codeAction/resolve: without resolve there is nothing to apply.
    const kinds = Array.isArray(options.codeActionKinds) ? (options.codeActionKinds as unknown[]) : undefined;
    const kindListed = kinds === undefined || kinds.some((kind) => typeof kind === 'string' && coversKind(kind, REFACTOR_KIND));
    canRefactor = options.resolveProvider === true && kindListed;
  }
  return { canExplain, canRefactor };
}

/** Code action kinds are hierarchical: `refactor` covers `refactor.rewrite.lspcopilot`. */
export function coversKind(listed: string, wanted: string): boolean {
  return listed === wanted || wanted.startsWith(`${listed}.`);
}
