import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentSecurityPolicy, panelHtml, parsePanelMessage } from '../../src/panelHtml';

describe('panelHtml', () => {
  it('has a strict Content-Security-Policy: nothing loads, only its own nonce-tagged style and script run', () => {
    const csp = contentSecurityPolicy('abc');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc'(;|$)/);
    assert.match(csp, /style-src 'nonce-abc'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });

  it('tags every script and style with the nonce, and has Stop and a follow-up box', () => {
    const html = panelHtml('n0nce');
    assert.ok(html.includes(`content="${contentSecurityPolicy('n0nce')}"`));
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    const styles = html.match(/<style[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok([...scripts, ...styles].every((tag) => tag.includes('nonce="n0nce"')));
    assert.match(html, /<button id="stop"[^>]*>Stop<\/button>/);
    assert.match(html, /<input id="question"/);
    assert.doesNotMatch(html, /\son\w+=/, 'no inline event handlers (the CSP would block them)');
  });
});

describe('parsePanelMessage', () => {
  it('accepts the page\'s messages and nothing else', () => {
    assert.deepEqual(parsePanelMessage({ type: 'stop' }), { type: 'stop' });
    assert.deepEqual(parsePanelMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parsePanelMessage({ type: 'ask', question: '  why?  ' }), { type: 'ask', question: 'why?' });
    assert.equal(parsePanelMessage({ type: 'ask', question: '   ' }), undefined);
    assert.equal(parsePanelMessage({ type: 'ask', question: 3 }), undefined);
    assert.equal(parsePanelMessage({ type: 'eval' }), undefined);
    assert.equal(parsePanelMessage(null), undefined);
    assert.equal(parsePanelMessage('stop'), undefined);
  });
});
