// The explain panel's page: a strict Content-Security-Policy (no network, no remote anything; only
// this page's own style and script, by nonce), a Stop button, the turns, a follow-up box. The
// extension sends the turns as HTML it rendered with everything escaped (explainState.ts). Pure.

/** The messages the page sends to the extension. */
export type PanelMessage = { readonly type: 'ready' } | { readonly type: 'stop' } | { readonly type: 'ask'; readonly question: string };

/** The message the extension sends to the page. */
export interface RenderMessage {
  readonly type: 'render';
  readonly subject: string;
  readonly html: string;
  readonly canStop: boolean;
  readonly canAsk: boolean;
  readonly busy: boolean;
}

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "img-src 'none'",
    "font-src 'none'",
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** What a message from the page asks for, or undefined for anything else. */
export function parsePanelMessage(message: unknown): PanelMessage | undefined {
  if (typeof message !== 'object' || message === null) {
    return undefined;
  }
  const { type, question } = message as { type?: unknown; question?: unknown };
  if (type === 'ready' || type === 'stop') {
    return { type };
  }
  if (type === 'ask' && typeof question === 'string' && question.trim() !== '') {
    return { type, question: question.trim() };
  }
  return undefined;
}

export function panelHtml(nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LspCopilot: Explain</title>
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 12px 12px; }
  header { position: sticky; top: 0; display: flex; align-items: center; gap: 8px; padding: 8px 0; background: var(--vscode-editor-background); border-bottom: 1px solid var(--vscode-panel-border, transparent); }
  #subject { flex: 1; opacity: 0.8; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 4px 10px; cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  button:disabled { opacity: 0.5; cursor: default; }
  button[hidden] { display: none; }
  .turn { padding: 8px 0; border-bottom: 1px solid var(--vscode-panel-border, transparent); }
  .question { font-weight: bold; margin-bottom: 6px; white-space: pre-wrap; }
  .question::before { content: "Q: "; opacity: 0.7; }
  .waiting, .note { opacity: 0.7; font-style: italic; }
  .error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
  .streaming .answer::after { content: "▍"; opacity: 0.6; }
  pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow-x: auto; }
  code { font-family: var(--vscode-editor-font-family); }
  details.reasoning { margin-bottom: 6px; opacity: 0.85; }
  details.reasoning summary { cursor: pointer; }
  blockquote { margin: 0 0 0 4px; padding-left: 8px; border-left: 3px solid var(--vscode-textBlockQuote-border); }
  form { display: flex; gap: 6px; margin-top: 12px; }
  #question { flex: 1; color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, transparent); padding: 4px; }
</style>
</head>
<body>
<header><span id="subject"></span><button id="stop" type="button" hidden>Stop</button></header>
<main id="content" aria-live="polite"></main>
<form id="ask"><input id="question" type="text" placeholder="Ask a follow-up question…" aria-label="Follow-up question" disabled><button id="send" type="submit" disabled>Ask</button></form>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  const content = document.getElementById('content');
  const subject = document.getElementById('subject');
  const stop = document.getElementById('stop');
  const question = document.getElementById('question');
  const send = document.getElementById('send');
  window.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || message.type !== 'render') { return; }
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 20;
    // The extension escaped everything the model wrote; this HTML is its own markup.
    content.innerHTML = message.html;
    subject.textContent = message.subject;
    stop.hidden = !message.canStop;
    question.disabled = !message.canAsk;
    send.disabled = !message.canAsk;
    document.body.setAttribute('aria-busy', message.busy ? 'true' : 'false');
    if (atBottom) { window.scrollTo(0, document.body.scrollHeight); }
  });
  stop.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));
  document.getElementById('ask').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = question.value.trim();
    if (text !== '') {
      vscode.postMessage({ type: 'ask', question: text });
      question.value = '';
    }
  });
  vscode.postMessage({ type: 'ready' });
</script>
</body>
</html>`;
}
