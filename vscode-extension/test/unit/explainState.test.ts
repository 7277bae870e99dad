import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canAsk, canStop, describeTarget, ExplainEvent, ExplainState, INITIAL_STATE, reduce, renderTurns } from '../../src/explainState';

const run = (...events: ExplainEvent[]): ExplainState => events.reduce(reduce, INITIAL_STATE);
const start: ExplainEvent = { type: 'start', subject: 'Program.cs, lines 3–5' };

describe('explain panel state', () => {
  it('streams the whole text so far, then the answer, and allows a follow-up once it has a conversation', () => {
    let state = run(start);
    assert.equal(state.phase, 'streaming');
    assert.equal(canStop(state), true);
    assert.equal(canAsk(state), false);
    state = reduce(state, { type: 'progress', request: 1, markdown: 'This', conversationId: 'c1' });
    state = reduce(state, { type: 'progress', request: 1, markdown: 'This code', conversationId: 'c1' });
    assert.equal(state.turns[0].markdown, 'This code');
    assert.equal(canAsk(state), false, 'no follow-up while the answer streams');
    state = reduce(state, { type: 'done', request: 1, markdown: 'This code adds.', conversationId: 'c1' });
    assert.equal(state.phase, 'done');
    assert.equal(state.conversationId, 'c1');
    assert.equal(canStop(state), false);
    assert.equal(canAsk(state), true);
  });

  it('a follow-up is a new turn with its question, in the same conversation', () => {
    let state = run(start, { type: 'done', request: 1, markdown: 'First.', conversationId: 'c1' }, { type: 'ask', question: 'Why?' });
    assert.equal(state.request, 2);
    assert.deepEqual(state.turns.map((t) => t.question), [undefined, 'Why?']);
    state = reduce(state, { type: 'done', request: 2, markdown: 'Because.', conversationId: 'c1' });
    assert.deepEqual(state.turns.map((t) => t.markdown), ['First.', 'Because.']);
    assert.equal(state.conversationId, 'c1');
  });

  it('ignores a question before there is a conversation, or while streaming', () => {
    const streaming = run(start);
    assert.equal(reduce(streaming, { type: 'ask', question: 'Why?' }), streaming);
    const failed = run(start, { type: 'error', request: 1, message: 'no model' });
    assert.equal(reduce(failed, { type: 'ask', question: 'Why?' }), failed);
  });

  it('Stop keeps the text so far and ignores what arrives late', () => {
    let state = run(start, { type: 'progress', request: 1, markdown: 'Half', conversationId: 'c1' }, { type: 'stopped', request: 1 });
    assert.equal(state.phase, 'stopped');
    const late = reduce(state, { type: 'progress', request: 1, markdown: 'Half and more' });
    assert.equal(late, state);
    assert.equal(reduce(state, { type: 'done', request: 1, markdown: 'All' }), state);
    assert.equal(state.turns[0].markdown, 'Half');
    assert.equal(state.turns[0].stopped, true);
    assert.equal(canAsk(state), true, 'a stopped answer that has a conversation can be followed up');
  });

  it('a new explanation replaces the old conversation; events of the old request are ignored', () => {
    let state = run(start, { type: 'done', request: 1, markdown: 'Old', conversationId: 'c1' }, { type: 'start', subject: 'Other.cs, line 1' });
    assert.equal(state.conversationId, undefined);
    assert.equal(state.turns.length, 1);
    assert.equal(state.subject, 'Other.cs, line 1');
    assert.equal(reduce(state, { type: 'progress', request: 1, markdown: 'stale' }), state);
    state = reduce(state, { type: 'progress', request: 2, markdown: 'new', conversationId: 'c2' });
    assert.equal(state.conversationId, 'c2');
  });

  it('keeps the reasoning only when there is some', () => {
    assert.equal(run(start, { type: 'done', request: 1, markdown: 'A', reasoning: 'thought' }).turns[0].reasoning, 'thought');
    assert.equal(run(start, { type: 'done', request: 1, markdown: 'A', reasoning: '  ' }).turns[0].reasoning, undefined);
  });
});

describe('renderTurns', () => {
  it('shows a waiting line before the first text, and marks the streaming turn', () => {
    const html = renderTurns(run(start));
    assert.match(html, /class="turn streaming"/);
    assert.match(html, /Waiting for the model/);
  });

  it('escapes questions, answers and errors', () => {
    const state = run(
      start,
      { type: 'done', request: 1, markdown: '<script>x</script>', conversationId: 'c' },
      { type: 'ask', question: '<img src=x onerror=y>' },
      { type: 'error', request: 2, message: '<b>bad</b>' },
    );
    const html = renderTurns(state);
    assert.doesNotMatch(html, /<script|<img|<b>/);
    assert.match(html, /&lt;img src=x onerror=y&gt;/);
    assert.match(html, /class="error">&lt;b&gt;bad&lt;\/b&gt;/);
  });

  it('offers the reasoning behind a "Show reasoning" toggle, folded', () => {
    const html = renderTurns(run(start, { type: 'done', request: 1, markdown: 'Answer', reasoning: 'Let me *think*' }));
    assert.match(html, /<details class="reasoning"><summary>Show reasoning<\/summary><div class="markdown"><p>Let me <em>think<\/em><\/p><\/div><\/details>/);
    assert.doesNotMatch(html, /<details[^>]* open/);
  });

  it('says Stopped under a stopped answer', () => {
    assert.match(renderTurns(run(start, { type: 'progress', request: 1, markdown: 'Half' }, { type: 'stopped', request: 1 })), /Stopped\./);
  });
});

describe('describeTarget', () => {
  const target = (startLine: number, endLine: number, endCharacter: number) => ({
    textDocument: { uri: 'file:///work/My%20App/Program.cs' },
    range: { start: { line: startLine, character: 0 }, end: { line: endLine, character: endCharacter } },
  });

  it('names the file and the 1-based lines', () => {
    assert.equal(describeTarget(target(6, 10, 5)), 'Program.cs, lines 7–11');
    assert.equal(describeTarget(target(8, 8, 0)), 'Program.cs, line 9');
  });

  it('does not count a last line the selection only touches at its start', () => {
    assert.equal(describeTarget(target(6, 11, 0)), 'Program.cs, lines 7–11');
  });
});
