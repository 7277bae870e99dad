// What the explain panel shows: a conversation of turns (the first explains the selection, the
// others answer follow-up questions), and whether a turn is streaming. The panel feeds it the
// events of lspcopilot/explain and renders it; both parts are pure, so they are unit-tested.

import { escapeHtml, renderMarkdown } from './markdown';

/** A document and range, as LSP has them (the argument of lspcopilot.server.explain too). */
export interface ExplainTarget {
  readonly textDocument: { readonly uri: string };
  readonly range: { readonly start: { line: number; character: number }; readonly end: { line: number; character: number } };
}

export type Phase = 'idle' | 'streaming' | 'done' | 'stopped' | 'error';

export interface Turn {
  /** The follow-up question; none for the first turn. */
  readonly question?: string;
  readonly markdown: string;
  readonly reasoning?: string;
  /** Why this turn ended without an answer, if it did. */
  readonly error?: string;
  readonly stopped?: boolean;
}

export interface ExplainState {
  /** What is explained, e.g. "Program.cs:10-14". */
  readonly subject: string;
  readonly turns: readonly Turn[];
  readonly phase: Phase;
  /** The server's id of the conversation, once it has sent one: follow-ups need it. */
  readonly conversationId?: string;
  /** Counts requests, so that events of an older request are ignored. */
  readonly request: number;
}

export type ExplainEvent =
  | { readonly type: 'start'; readonly subject: string }
  | { readonly type: 'ask'; readonly question: string }
  | { readonly type: 'progress'; readonly request: number; readonly markdown: string; readonly conversationId?: string }
  | { readonly type: 'done'; readonly request: number; readonly markdown: string; readonly conversationId?: string; readonly reasoning?: string }
  | { readonly type: 'stopped'; readonly request: number }
  | { readonly type: 'error'; readonly request: number; readonly message: string };

export const INITIAL_STATE: ExplainState = { subject: '', turns: [], phase: 'idle', request: 0 };

export function canStop(state: ExplainState): boolean {
  return state.phase === 'streaming';
}

export function canAsk(state: ExplainState): boolean {
  return state.phase !== 'streaming' && state.conversationId !== undefined;
}

/** The next state. A `start` begins a new conversation (the caller ends the old one). */
export function reduce(state: ExplainState, event: ExplainEvent): ExplainState {
  switch (event.type) {
    case 'start':
      return { subject: event.subject, turns: [{ markdown: '' }], phase: 'streaming', request: state.request + 1 };
    case 'ask':
      if (!canAsk(state)) {
        return state;
      }
      return { ...state, turns: [...state.turns, { question: event.question, markdown: '' }], phase: 'streaming', request: state.request + 1 };
  }
  if (event.request !== state.request || state.phase !== 'streaming') {
    return state; // A late event of a request that was stopped or replaced.
  }
  const conversationId = ('conversationId' in event && typeof event.conversationId === 'string' ? event.conversationId : undefined) ?? state.conversationId;
  switch (event.type) {
    case 'progress':
      return { ...state, conversationId, turns: withLast(state.turns, (turn) => ({ ...turn, markdown: event.markdown })) };
    case 'done':
      return {
        ...state,
        conversationId,
        phase: 'done',
        turns: withLast(state.turns, (turn) => ({
          ...turn,
          markdown: event.markdown,
          ...(event.reasoning !== undefined && event.reasoning.trim() !== '' ? { reasoning: event.reasoning } : {}),
        })),
      };
    case 'stopped':
      return { ...state, phase: 'stopped', turns: withLast(state.turns, (turn) => ({ ...turn, stopped: true })) };
    case 'error':
      return { ...state, phase: 'error', turns: withLast(state.turns, (turn) => ({ ...turn, error: event.message })) };
  }
}

function withLast(turns: readonly Turn[], change: (turn: Turn) => Turn): Turn[] {
  return turns.map((turn, i) => (i === turns.length - 1 ? change(turn) : turn));
}

/** The panel's content (inside <main>): every turn, its markdown rendered with everything escaped. */
export function renderTurns(state: ExplainState): string {
  const parts: string[] = [];
  state.turns.forEach((turn, i) => {
    const last = i === state.turns.length - 1;
    const classes = ['turn', last && state.phase === 'streaming' ? 'streaming' : ''].filter(Boolean).join(' ');
    const body: string[] = [];
    if (turn.question !== undefined) {
      body.push(`<div class="question">${escapeHtml(turn.question)}</div>`);
    }
    if (turn.reasoning !== undefined) {
      body.push(`<details class="reasoning"><summary>Show reasoning</summary><div class="markdown">${renderMarkdown(turn.reasoning)}</div></details>`);
    }
    if (turn.markdown !== '') {
      body.push(`<div class="markdown answer">${renderMarkdown(turn.markdown)}</div>`);
    } else if (last && state.phase === 'streaming') {
      body.push('<div class="waiting">Waiting for the model…</div>');
    }
    if (turn.stopped) {
      body.push('<div class="note">Stopped.</div>');
    }
    if (turn.error !== undefined) {
      body.push(`<div class="error">${escapeHtml(turn.error)}</div>`);
    }
    parts.push(`<section class="${classes}">${body.join('')}</section>`);
  });
  return parts.join('\n');
}

/** "Program.cs, lines 10–14" for the panel's header. */
export function describeTarget(target: ExplainTarget): string {
  let file = target.textDocument.uri;
  try {
    file = decodeURIComponent(new URL(target.textDocument.uri).pathname.split('/').pop() ?? file);
  } catch {
    // Not a URL: keep it as it is.
  }
  const first = target.range.start.line + 1;
  const last = target.range.end.line + (target.range.end.character === 0 && target.range.end.line > target.range.start.line ? 0 : 1);
  return first === last ? `${file}, line ${first}` : `${file}, lines ${first}–${last}`;
}
