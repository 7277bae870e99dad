// Partial acceptance: VS Code's own "accept next word" and "accept next line" commands
// (editor.action.inlineSuggest.acceptNextWord / acceptNextLine) insert the first part of the ghost text. Stable VS Code
// tells an extension nothing about it, so this watches the document: an insertion, at the shown suggestion's anchor
// (moved on by what was accepted or typed so far), of at least two characters that begin what is left of the suggestion
// without finishing it, is a partial acceptance. Typing through a suggestion one character at a time moves the anchor
// on but is not reported; inserting the whole rest (Tab) is a full acceptance, not a partial one.

/** The LSP notification a partial acceptance is reported with (its statistics are the server's). */
export const DID_PARTIALLY_ACCEPT_COMPLETION = 'textDocument/didPartiallyAcceptCompletion';

export interface LspPosition {
  readonly line: number;
  readonly character: number;
}

/** An inline completion item as the server sent it. */
export interface ShownItem {
  readonly insertText: string;
  readonly range?: { readonly start: LspPosition; readonly end: LspPosition };
  /** The item's accept command as the server sent it (its first argument identifies the suggestion for the statistics). */
  readonly command?: { readonly title: string; readonly command: string; readonly arguments?: readonly unknown[] };
}

/** What textDocument/didPartiallyAcceptCompletion carries: the item and how much of it is accepted so far (UTF-16 units). */
export interface PartialAcceptParams {
  readonly item: ShownItem;
  readonly acceptedLength: number;
}

/** One content change of a document, as VS Code reports it. */
export interface TextChange {
  readonly start: LspPosition;
  readonly rangeLength: number;
  readonly text: string;
}

interface Shown {
  readonly uri: string;
  readonly items: readonly ShownItem[];
  anchor: LspPosition;
  accepted: number;
  /** The item being accepted, once an insertion told which. */
  item: ShownItem | undefined;
}

export class PartialAcceptTracker {
  private current: Shown | undefined;

  constructor(private readonly report: (params: PartialAcceptParams) => void) {}

  /** The items the editor got for `uri` at `position` (the first is shown; next/previous cycle the others). */
  shown(uri: string, position: LspPosition, items: readonly ShownItem[]): void {
    this.current = items.length === 0 ? undefined : { uri, items, anchor: position, accepted: 0, item: undefined };
  }

  /** The document changed (each change of one event, in order). */
  changed(uri: string, change: TextChange): void {
    const shown = this.current;
    if (shown === undefined || shown.uri !== uri) {
      return;
    }
    if (change.rangeLength !== 0 || change.text === '' || !samePosition(change.start, shown.anchor)) {
      this.current = undefined;
      return;
    }
    const candidates = shown.item !== undefined ? [shown.item] : shown.items;
    const item = candidates.find((i) => i.insertText.startsWith(change.text, shown.accepted));
    if (item === undefined) {
      this.current = undefined;
      return;
    }
    const rest = item.insertText.length - shown.accepted;
    if (change.text.length >= rest) {
      // The whole rest: a full acceptance (or the user typed it out).
      this.current = undefined;
      return;
    }
    shown.item = item;
    shown.accepted += change.text.length;
    shown.anchor = advance(shown.anchor, change.text);
    if (change.text.length >= 2) {
      this.report({ item, acceptedLength: shown.accepted });
    }
  }

  /** The suggestion went away (the editor moved on). */
  clear(): void {
    this.current = undefined;
  }
}

function samePosition(a: LspPosition, b: LspPosition): boolean {
  return a.line === b.line && a.character === b.character;
}

function advance(at: LspPosition, text: string): LspPosition {
  const lines = text.split('\n');
  return lines.length === 1
    ? { line: at.line, character: at.character + text.length }
    : { line: at.line + lines.length - 1, character: lines[lines.length - 1].length };
}
